/**
 * The etcd backend of the repository port (jetcd).
 *
 * <h2>Keyspace</h2>
 * Every key lives under {@code <namespace>/<list>/} (defaults {@code v0/default/}), exactly as the original:
 * <pre>
 * agents/&lt;agent-id&gt;                              agent JSON, put with the agent's lease
 * runs/&lt;run-id&gt;                                  run JSON: {"created_at", "specs", "edges"}
 * nodes/&lt;run-id&gt;/node/&lt;name&gt;                     node JSON
 * states/&lt;state&gt;/run/&lt;run-id&gt;/node/&lt;name&gt;        "" : marks the node's state (waiting|ready|running|completed)
 * </pre>
 * A node is in the state its one state key names; with no state key it is orphaned (NONE). The running key is
 * put with the claiming agent's lease. Values are encoded as the original's Go {@code encoding/json} over its
 * protobuf structs ({@code EtcdCodec}): snake_case, enums as numbers (node status
 * NONE 0 … COMPLETED 4, conclusion NONE 0, SUCCESS 1, FAIL 2, ERROR 3), bytes base64, zero values omitted.
 * We add {@code "skipped": true} on skipped nodes and {@code "lease_id"}/{@code "ttl_ms"} on agents.
 * Keys are parsed by prefix and structure ({@code Keys}); node names may not contain {@code /} at the API, but
 * the parser takes everything after {@code /node/} as the name anyway. One more key, {@code sentinel}, is put
 * and deleted at once when a subscriber is replayed from etcd's history (it marks the end of the replay); it
 * never stays.
 *
 * <h2>Visibility of a run</h2>
 * The run key is written last, after the node and state keys (in batches that fit etcd's default 128
 * operations and 1.5 MiB per request). Every reader ignores node and state keys of runs without a run key;
 * the event watch ignores state changes of a run at or before the revision its run key was created, and
 * announces its roots at that revision instead. Stats counts state keys directly, so the nodes of a start in
 * flight are counted until it finishes; a failed start deletes its keys again.
 *
 * <h2>Events</h2>
 * One supervised watch per repository over {@code runs/ … states/}, fanned out in memory with an in-memory
 * history keyed by {@code Cursor(revision, index)}; see {@code EventHub}.
 */
package io.adagio.repository.etcd;
