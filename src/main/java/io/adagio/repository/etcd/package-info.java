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
 * We add {@code "skipped": true} on skipped nodes, {@code "inputs_from"} (the parents whose outputs a node has
 * received: an output is stored once, in its node's attempts, and a node's inputs are read from its parents,
 * as the original reads them) and {@code "lease_id"}/{@code "ttl_ms"} on agents.
 * Keys are parsed by prefix and structure ({@code Keys}); node names may not contain {@code /} at the API, but
 * the parser takes everything after {@code /node/} as the name anyway. One more key, {@code sentinel}, is put
 * and deleted at once when a subscriber is replayed from etcd's history (it marks the end of the replay); it
 * never stays. And one prefix of our own, outside the original's: {@code intents/<run-id>/node/<name>} (value
 * {@code {"kind": "output"|"skip", "created_at": …}}) marks a finish not yet passed on to the nodes it changes
 * (below), and {@code intents/<run-id>/start} ({@code {"kind": "start", …}}) a start whose roots are not all
 * READY yet, and {@code intents/<run-id>/cancel} ({@code {"kind": "cancel", "created_at", "fence_at"}}) a cancel whose
 * grace has not ended ({@code EtcdCancels}). It sorts before {@code nodes/}, so neither the original's readers
 * (agents/, runs/, nodes/, states/) nor our watch ({@code nodes/ … states/}) ever see it. A second prefix of our own,
 * {@code signals/<run-id>/node/<name>} ({@code {"kind": "cancel", "agent_id": …, "claim_id": …}}, put with the
 * holder's lease), is a
 * word to the agent holding a node: it sorts inside our watched range (after {@code sentinel}, before
 * {@code states/}), so every replica's watch turns it into a NODE_CANCELLED event; the original watches none of it.
 * A third, {@code timers/<due, epoch ms, 19 digits>/<run-id>/node/<name>} (empty values), indexes what is due for a
 * node by time — a RUNNING node's timeout, a WAITING node's end of backoff ({@code EtcdTimers}) — written with the
 * node in the same transaction, and {@code timers/<due>/<run-id>/run/deadline|ttl} a run's own deadline and time to
 * live (written with its run key; the run value holds {@code "deadline"} and {@code "ttl"}); it sorts after {@code states/}, outside the watch and the original's prefixes.
 * A cancelled node carries {@code "cancelled": true} in its node value (a field the original ignores) and is
 * COMPLETED with a completed state key, as the original expects of a node that will not run.
 *
 * <h2>Visibility of a run</h2>
 * The run key is written last, after the node and state keys (in batches that fit etcd's default 128
 * operations and 1.5 MiB per request), the roots' state keys WAITING: the original's agents read the run key at
 * a READY key's revision, so no READY key comes before it. The run key's transaction makes as many roots READY as
 * fit in it; more follow it in guarded batches under a start intent, which any replica completes if the start
 * stops half-way ({@code RootRelease}). Every reader ignores node and state keys of runs without a run key;
 * the event watch ignores state changes of a run at or before the revision its run key was created, and
 * announces its roots at that revision instead. Stats counts state keys directly, so the nodes of a start in
 * flight are counted until it finishes; a failed start deletes its keys again.
 *
 * <h2>What a step costs</h2>
 * Run shapes are immutable and cached per replica ({@code RunShapes}); what a replica last read or wrote of an
 * agent (its lease and runtimes) answers for a second ({@code EtcdAgents#known}) — a put with a lease that ended
 * fails in etcd, and the agent is then read again. So, in the common case:
 * <ul>
 *   <li>a claim is one read (the node and its state keys) and one transaction;</li>
 *   <li>a batch claim is one range over {@code states/ready/}, one read of up to 16 of those nodes (chosen at
 *       random among the oldest 16 or {@code 2 × max}, so concurrent claimers rarely want the same) and one
 *       transaction claiming them all;</li>
 *   <li>a finish is at most one read (the node with its children, when they are at most 15, and the READY nodes
 *       it may fill its agent up with) and one transaction that settles the node, passes its output on, claims
 *       the children it makes READY for the finishing agent when it asks for {@code next} (they go WAITING →
 *       RUNNING on the agent's lease, never READY, so no one else is offered them), then, when the finish fills
 *       ({@code Dispatch#fill}), other READY nodes the replica's watch has seen ({@code ReadyHints}) until the
 *       agent holds {@code next}, and counts the run's completed keys unless a node it writes of the run stays
 *       open (a count costs etcd every completed key of the run), which says whether this finish completed the
 *       run;</li>
 *   <li>a transaction is guarded by each node's key and its one state key as read (two compares; five for a node
 *       with no state key), since a state changes only by deleting its key ({@code NodeFacts#guards});</li>
 *   <li>the facts a claiming transaction wrote (the claimed node, its running key) and read after its writes
 *       (the WAITING children of the nodes it claims, two gets each, whether a claim, a batch claim or a finish
 *       claimed them: {@code ChildrenAhead}) are kept ({@code KnownFacts}) for the finish of that node: a
 *       chain's step, and a root's finish after its claim, is then one transaction and no read. They are an optimistic read: the finish's transaction
 *       is guarded by exactly their revisions, so when another replica, a lease's end or a cancel changed them,
 *       it fails and the finish reads; a decision other than "finished" from them is taken again from a read.</li>
 * </ul>
 *
 * <h2>Finishes that change many nodes</h2>
 * A finish changes the node and, on a SUCCESS, its children (each records that it has the parent's output in
 * {@code inputs_from}, maybe becoming READY; the output itself stays in the parent's attempts and is read into a
 * child's {@code inputs} when the child is claimed or read, {@code EtcdInputs}) or, on a final failure,
 * its whole downstream (skipped). When that fits one transaction (at most 15 neighbours: 5 compares and up to 3
 * operations per node, 128 in all, and under 1 MiB) it is one transaction guarded by everything read, as in the
 * original. Otherwise, or when that transaction keeps conflicting, it is done in steps ({@code Propagator}):
 * <ol>
 *   <li>one transaction fenced by exactly what was read of the finished node (its node key's and state keys'
 *       mod revisions, so the claim still holds) writes the node (COMPLETED, or READY for a retry), its state
 *       key and, when the finish must be passed on, its intent key. A stale claim changes nothing; a repeated
 *       identical finish answers the node as it is (and completes its intent if one is left);</li>
 *   <li>the engine's {@code Propagation} is applied to the children (or the downstream) in batches of 16 nodes,
 *       each batch one transaction guarded by the mod revisions of the nodes it changes, re-read and retried
 *       when it conflicts. Each change is idempotent: a parent already recorded is not added again, a node is
 *       promoted WAITING → READY only when every parent is recorded, only nodes not COMPLETED are
 *       skipped. Two parents passing on to the same children at once therefore end with every child READY
 *       once, with both parents recorded;</li>
 *   <li>the intent key is deleted.</li>
 * </ol>
 * If the process dies (or loses etcd) between the steps, the intent stays. Every replica looks for intents
 * periodically (every sweep interval, at most 10 s) and completes those older than a few seconds, from the
 * finished node as stored (its output is its latest attempt, which no longer changes); replicas racing on one
 * intent are harmless. While a finish is being passed on, a reader may see the finished node COMPLETED and
 * some children still WAITING (or downstream nodes not yet skipped); the run then reads RUNNING. Once the
 * finish call returns (or the recovery has run), the run's status and outcome are final. The ready keys of
 * children promoted by later batches are created by those batches, so the watch announces each of them
 * (NODE_READY) exactly as for a one-transaction finish.
 *
 * <h2>Events</h2>
 * One supervised watch per repository over {@code nodes/ … states/} ({@code EtcdWatch}); each change of a
 * node's state it sees becomes the events the engine's {@code NodeEvents} decides, and each node value put (or
 * state key lost: an orphaned node) a NODE_STATUS for observers, published to the shared
 * {@code EventFanout} under {@code Cursor(revision, index)}. The backend plugs in its current set and the
 * replay of etcd's own history for cursors older than the fan-out's ({@code EtcdEventSource}).
 */
package io.adagio.repository.etcd;
