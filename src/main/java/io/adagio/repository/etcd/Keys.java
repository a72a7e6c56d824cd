package io.adagio.repository.etcd;

import io.adagio.model.NodeStatus;
import io.etcd.jetcd.ByteSequence;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The keyspace under {@code <namespace>/<list>/} (see {@link io.adagio.repository.etcd}): builds keys and
 * parses them back by their known prefixes and structure. A node name is everything after {@code /node/},
 * so it is never split on {@code /}.
 */
final class Keys {
    /** The statuses that have a state key, in the keyspace's order. NONE (orphaned) has none. */
    static final List<NodeStatus> KEYED = List.of(NodeStatus.WAITING, NodeStatus.READY, NodeStatus.RUNNING,
            NodeStatus.COMPLETED);

    private static final String RUN_PART = "/run/";
    private static final String NODE_PART = "/node/";

    private final String root;
    // the prefixes every step's keys start with, built once (a step builds ~20 keys)
    private final String nodes;
    private final String[] statesByOrdinal = new String[NodeStatus.values().length];
    private final String[] stateRunsByOrdinal = new String[NodeStatus.values().length];

    Keys(String namespace, String list) {
        this.root = namespace + "/" + list + "/";
        this.nodes = root + "nodes/";
        for (NodeStatus st : KEYED) {
            statesByOrdinal[st.ordinal()] = states() + word(st) + "/";
            stateRunsByOrdinal[st.ordinal()] = statesByOrdinal[st.ordinal()] + "run/";
        }
    }

    /** {@code <namespace>/<list>/}: every key of this repository starts with it. */
    String root() {
        return root;
    }

    String agents() {
        return root + "agents/";
    }

    String agent(String agentId) {
        return agents() + agentId;
    }

    String runs() {
        return root + "runs/";
    }

    String run(String runId) {
        return runs() + runId;
    }

    String nodes() {
        return nodes;
    }

    /** The prefix of every node key of one run. */
    String nodesOf(String runId) {
        return nodes + runId + NODE_PART;
    }

    String node(String runId, String name) {
        return nodes + runId + NODE_PART + name;
    }

    String states() {
        return root + "states/";
    }

    /**
     * Where the event watch's range begins: node keys (NODE_STATUS), run keys, the sentinel, signals and state keys
     * ({@code nodes/ … states/}), nothing of ours before or after.
     */
    ByteSequence watchedFrom() {
        return bytes(nodes());
    }

    /** Where the event watch's range ends (exclusive): after the last state key. */
    ByteSequence watchedEnd() {
        return prefixEnd(states());
    }

    /** The prefix of every state key of one state. */
    String states(NodeStatus status) {
        return prefix(statesByOrdinal, status);
    }

    /** What a node count reads: each {@link #KEYED} state's prefix, in that order, then {@link #nodes()}. */
    List<String> statesThenNodes() {
        return java.util.stream.Stream.concat(KEYED.stream().map(this::states), java.util.stream.Stream.of(nodes())).toList();
    }

    /** The prefix of the state keys of one state and one run. */
    String statesOf(NodeStatus status, String runId) {
        return prefix(stateRunsByOrdinal, status) + runId + NODE_PART;
    }

    String state(NodeStatus status, String runId, String name) {
        return prefix(stateRunsByOrdinal, status) + runId + NODE_PART + name;
    }

    /**
     * The prefix of the intent keys: a finish too large for one transaction records there, in the same
     * transaction as the finished node, what it still has to pass on ({@link Propagator}). It sorts before
     * {@code nodes/}, outside the watched range and every documented prefix, so the original's readers and our
     * watch never see it.
     */
    String intents() {
        return root + "intents/";
    }

    /** The intent of one finished node. */
    String intent(String runId, String name) {
        return intents() + runId + NODE_PART + name;
    }

    /**
     * The record of an idempotency key: the run it started and that run's graph fingerprint. The client's key is
     * hashed (SHA-256, hex), so any key makes a short key of fixed shape; the prefix sorts before the watched
     * range and is none of the original's.
     */
    String idempotency(String clientKey) {
        return idempotencyOfHash(idempotencyHash(clientKey));
    }

    /** The record of an idempotency key by its hash ({@link #idempotencyHash}, as a run value keeps it). */
    String idempotencyOfHash(String hash) {
        return root + "idempotency/" + hash;
    }

    /** SHA-256 (hex) of a client's idempotency key. */
    static String idempotencyHash(String clientKey) {
        try {
            byte[] sha = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(clientKey.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(sha);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** The prefix of everything recorded for a run's finishes and start under {@code intents/}. */
    String intentsOf(String runId) {
        return intents() + runId + "/";
    }

    /**
     * The start intent of a run whose roots are not all READY yet (too many to release in the run key's own
     * transaction: {@link RootRelease}); under the intents prefix, so no reader of the original sees it.
     */
    String startIntent(String runId) {
        return intents() + runId + "/start";
    }

    /**
     * The cancel intent of a run: a cancel records it before it reaches the run's nodes, with the time its grace
     * ends; any replica completes the cancel from it ({@link EtcdCancels}). Under the intents prefix, so no reader
     * of the original sees it.
     */
    String cancelIntent(String runId) {
        return intents() + runId + "/cancel";
    }

    /** The run id of a cancel intent key, if it is one. */
    Optional<String> parseCancelIntent(String key) {
        if (!key.startsWith(intents()) || !key.endsWith("/cancel")) {
            return Optional.empty();
        }
        String runId = key.substring(intents().length(), key.length() - "/cancel".length());
        return runId.isEmpty() || runId.contains("/") ? Optional.empty() : Optional.of(runId);
    }

    /**
     * The prefix of the signal keys: a word to the agent holding a node, put with that agent's lease (so it goes
     * when the agent does). It sorts between {@code sentinel} and {@code states/}, inside the watched range, so
     * every replica's watch turns it into an event (a cancel's NODE_CANCELLED); it matches none of the original's
     * prefixes.
     */
    String signals() {
        return root + "signals/";
    }

    /** The prefix of every signal key of one run. */
    String signalsOf(String runId) {
        return signals() + runId + NODE_PART;
    }

    /** The signal key of one node. */
    String signal(String runId, String name) {
        return signalsOf(runId) + name;
    }

    /** The node a signal key names, if it is one. */
    Optional<NodeRef> parseSignal(String key) {
        return key.startsWith(signals()) ? runAndName(key.substring(signals().length())) : Optional.empty();
    }

    /**
     * The prefix of the timer keys: {@code timers/<due, epoch ms, 19 digits>/<run-id>/node/<name>} marks that
     * something is due for a node then (its timeout, the end of its backoff: {@code io.adagio.engine.Timers}), so
     * due nodes are found by one range read up to now. Only an index: what is due is decided from the node itself.
     * It sorts after {@code states/}, outside the watched range and the original's prefixes.
     */
    String timers() {
        return root + "timers/";
    }

    /** The timer key of a node due at {@code at}. */
    String timer(java.time.Instant at, String runId, String name) {
        return timers() + String.format("%019d", Math.max(0, at.toEpochMilli())) + "/" + runId + NODE_PART + name;
    }

    /** The end (exclusive) of the timer keys due at or before {@code at}. */
    String timersUpTo(java.time.Instant at) {
        return timers() + String.format("%019d", Math.max(0, at.toEpochMilli()) + 1);
    }

    /** The key of a run's own timer: {@code timers/<due>/<run-id>/run/<deadline|ttl>}. */
    String runTimer(java.time.Instant at, String runId, io.adagio.engine.RunTimes.Kind timer) {
        return timers() + String.format("%019d", Math.max(0, at.toEpochMilli())) + "/" + runId + "/run/" + timer.word();
    }

    /** A run's own timer: the run and what it is for. */
    record RunTimerKey(String runId, io.adagio.engine.RunTimes.Kind kind) {
    }

    /** The run timer a timer key names, if it is one. */
    Optional<RunTimerKey> parseRunTimer(String key) {
        if (!key.startsWith(timers()) || key.length() < timers().length() + 20) {
            return Optional.empty();
        }
        String rest = key.substring(timers().length() + 20);
        for (io.adagio.engine.RunTimes.Kind t : io.adagio.engine.RunTimes.Kind.values()) {
            String end = "/run/" + t.word();
            String runId = rest.endsWith(end) ? rest.substring(0, rest.length() - end.length()) : "";
            if (!runId.isEmpty() && !runId.contains("/")) {
                return Optional.of(new RunTimerKey(runId, t));
            }
        }
        return Optional.empty();
    }

    /** When a timer key is due (null when it is none). */
    java.time.Instant timerDue(String key) {
        if (!key.startsWith(timers()) || key.length() < timers().length() + 20) {
            return null;
        }
        try {
            return java.time.Instant.ofEpochMilli(Long.parseLong(key.substring(timers().length(), timers().length() + 19)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The node a timer key names, if it is one. */
    Optional<NodeRef> parseTimer(String key) {
        if (!key.startsWith(timers()) || key.length() < timers().length() + 20) {
            return Optional.empty();
        }
        return runAndName(key.substring(timers().length() + 20));
    }

    /**
     * The prefix of the verdict keys: {@code verdicts/<run-id>/cancelled/<name>} marks a node that is cancelled,
     * {@code verdicts/<run-id>/failed/<name>} one that failed for good ({@link io.adagio.engine.RunVerdict}); put
     * and deleted with the node's value by whoever writes it ({@link Propagator#writes}). So the transaction that
     * completes a run tells its outcome by reading the first of its run's (none: SUCCEEDED; a cancelled one sorts
     * first). Only an index, like the timers; it sorts after them, outside the watched range and the original's
     * prefixes.
     */
    String verdicts() {
        return root + "verdicts/";
    }

    /** The prefix of every verdict key of one run. */
    String verdictsOf(String runId) {
        return verdicts() + runId + "/";
    }

    /** The verdict key of a cancelled node. */
    String cancelledMark(String runId, String name) {
        return verdictsOf(runId) + "cancelled/" + name;
    }

    /** The verdict key of a node that failed for good. */
    String failedMark(String runId, String name) {
        return verdictsOf(runId) + "failed/" + name;
    }

    /**
     * The outcome the first verdict key of a run says (CANCELLED, FAILED), given that prefix's first key
     * ({@code null}: it has none, so a completed run SUCCEEDED).
     */
    io.adagio.model.RunOutcome verdict(String runId, String firstKey) {
        if (firstKey == null) {
            return io.adagio.model.RunOutcome.SUCCEEDED;
        }
        return firstKey.startsWith(cancelledMark(runId, "")) ? io.adagio.model.RunOutcome.CANCELLED
                : io.adagio.model.RunOutcome.FAILED;
    }

    /** The run id of a start intent key, if it is one. */
    Optional<String> parseStartIntent(String key) {
        if (!key.startsWith(intents()) || !key.endsWith("/start")) {
            return Optional.empty();
        }
        String runId = key.substring(intents().length(), key.length() - "/start".length());
        return runId.isEmpty() || runId.contains("/") ? Optional.empty() : Optional.of(runId);
    }

    /**
     * A key that is put and deleted at once to mark a point in the watched range ({@code nodes/} to
     * {@code states/}); it sorts between them and matches no documented prefix, so watchers ignore it.
     */
    String sentinel() {
        return root + "sentinel";
    }

    /** The agent id of an agent key, if it is one. */
    Optional<String> parseAgent(String key) {
        return key.startsWith(agents()) && key.length() > agents().length()
                ? Optional.of(key.substring(agents().length())) : Optional.empty();
    }

    /** The run id of a run key, if it is one. */
    Optional<String> parseRun(String key) {
        String rest = key.startsWith(runs()) ? key.substring(runs().length()) : "";
        return rest.isEmpty() || rest.contains("/") ? Optional.empty() : Optional.of(rest);
    }

    /** The node a node key names, if it is one. */
    Optional<NodeRef> parseNode(String key) {
        return key.startsWith(nodes()) ? runAndName(key.substring(nodes().length())) : Optional.empty();
    }

    /** The node an intent key names, if it is one. */
    Optional<NodeRef> parseIntent(String key) {
        return key.startsWith(intents()) ? runAndName(key.substring(intents().length())) : Optional.empty();
    }

    /** The state and node a state key names, if it is one. */
    Optional<StateKey> parseState(String key) {
        for (NodeStatus status : KEYED) {
            String prefix = states(status) + "run/";
            if (key.startsWith(prefix)) {
                return runAndName(key.substring(prefix.length())).map(ref -> new StateKey(status, ref));
            }
        }
        return Optional.empty();
    }

    /** {@code <run-id>/node/<name>}: a run id never holds {@code /}, the name is the rest. */
    private static Optional<NodeRef> runAndName(String rest) {
        int at = rest.indexOf(NODE_PART);
        if (at <= 0 || rest.substring(0, at).contains("/") || at + NODE_PART.length() >= rest.length()) {
            return Optional.empty();
        }
        return Optional.of(new NodeRef(rest.substring(0, at), rest.substring(at + NODE_PART.length())));
    }

    private static String prefix(String[] byOrdinal, NodeStatus status) {
        String p = byOrdinal[status.ordinal()];
        return p != null ? p : word(status); // NONE: word throws (an orphaned node has no state key)
    }

    static String word(NodeStatus status) {
        return switch (status) {
            case WAITING -> "waiting";
            case READY -> "ready";
            case RUNNING -> "running";
            case COMPLETED -> "completed";
            case NONE -> throw new IllegalArgumentException("an orphaned node has no state key");
        };
    }

    static ByteSequence bytes(String key) {
        return ByteSequence.from(key, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence key) {
        return key.toString(StandardCharsets.UTF_8);
    }

    /** The end of the range of every key starting with {@code prefix} (exclusive). */
    static ByteSequence prefixEnd(String prefix) {
        byte[] b = prefix.getBytes(StandardCharsets.UTF_8);
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] != (byte) 0xff) {
                byte[] end = java.util.Arrays.copyOf(b, i + 1);
                end[i]++;
                return ByteSequence.from(end);
            }
        }
        return ByteSequence.from(new byte[]{0});
    }

    /** The smallest key after {@code key} (to make an inclusive end, or to continue a page). */
    static ByteSequence after(ByteSequence key) {
        return key.concat(ByteSequence.from(new byte[]{0}));
    }

    /** A node of a run. */
    record NodeRef(String runId, String name) {
    }

    /** A state key: the state and the node it marks. */
    record StateKey(NodeStatus status, NodeRef node) {
    }
}
