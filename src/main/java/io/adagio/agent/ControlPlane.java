package io.adagio.agent;

import io.adagio.model.Claim;
import io.adagio.model.Event;
import io.adagio.model.Node;
import io.adagio.model.Result;

import java.time.Duration;
import java.util.List;

/**
 * The agent pool's port: everything an agent asks of a control plane. Two adapters: over the public HTTP + SSE
 * API ({@code agent.http}, exactly what an agent in any language does) and in process (beside the application
 * layer, no HTTP, no JSON). Both answer alike; {@code ControlPlaneContract} proves it.
 */
public interface ControlPlane extends AutoCloseable {

    /** The control plane did not answer usefully (unreachable, 5xx, store unavailable); try again later. */
    final class Unavailable extends Exception {
        private final boolean mayHaveHappened;

        /** The request may have reached the control plane, and done what it asked, before its answer was lost. */
        public Unavailable(String message, Throwable cause) {
            this(message, cause, true);
        }

        private Unavailable(String message, Throwable cause, boolean mayHaveHappened) {
            super(message, cause);
            this.mayHaveHappened = mayHaveHappened;
        }

        /** The request certainly never reached the control plane (e.g. the connection was refused). */
        public static Unavailable notSent(String message, Throwable cause) {
            return new Unavailable(message, cause, false);
        }

        /**
         * Whether the control plane may have done what was asked although its answer was lost: a claim may
         * then hold nodes for the agent that it was never told about.
         */
        public boolean mayHaveHappened() {
            return mayHaveHappened;
        }
    }

    /**
     * The control plane refused a batch as a whole (malformed, or something in it over a limit): sent again as
     * it is, it would be refused again. Finishes are idempotent, so its items may be sent again on their own.
     */
    final class Refused extends Exception {
        private final String type;

        public Refused(String type, String message) {
            super(message);
            this.type = type;
        }

        /** Why, as a problem type (e.g. {@code …/payload-too-large}, {@code invalid-request}). */
        public String type() {
            return type;
        }
    }

    /** The agent holds no live lease (it expired, or it never registered): register again. */
    final class NotRegistered extends Exception {
        public NotRegistered(String agentId) {
            super("agent " + agentId + " is not registered");
        }
    }

    /** What a claim came to. */
    sealed interface ClaimReply {
        /** The agent holds the node of run {@code runId}: run it, then finish with {@code claim.id()}. */
        record Claimed(String runId, Claim claim, Node node) implements ClaimReply {
        }

        /** Another agent holds it, or it completed: not an error. */
        record NotClaimed() implements ClaimReply {
        }

        /** WAITING, unknown, or otherwise refused (the problem type says why): drop the hint. */
        record Refused(String type) implements ClaimReply {
        }

        /** The agent's lease is gone: register again. */
        record NotRegistered() implements ClaimReply {
        }
    }

    /** Receives an agent's events, in order, from one thread. */
    interface Listener {
        /** A node the agent may claim (NODE_READY or NODE_ORPHANED), and the position after it (may be null). */
        void onEvent(Event event, String position);

        /** Events were lost (history compacted): forget what you knew; the current set follows. */
        void onReset(String position);

        /** The position after the current set when it was empty. */
        default void onPosition(String position) {
        }
    }

    /** Registers the agent offering {@code runtimes}; answers the lease TTL in seconds. */
    long register(String agentId, List<String> runtimes) throws Unavailable;

    /** Renews the lease; false when it is gone (register again). */
    boolean heartbeat(String agentId) throws Unavailable;

    /** Ends the agent's lease (nodes it holds are orphaned). */
    void unregister(String agentId) throws Unavailable;

    /**
     * Claims a node for the agent. {@code requestId} names this request: a retry with the same one (after an
     * answer that was lost) answers the same claim instead of "not claimed".
     */
    ClaimReply claim(String runId, String node, String agentId, String requestId) throws Unavailable;

    /**
     * What a finish came to: whether it counted (false: the claim was stale or the node is gone, nothing to
     * retry), and the nodes it made READY that were claimed for the agent at once (eager dispatch).
     */
    record Finish(boolean accepted, List<ClaimReply.Claimed> next) {
        public Finish {
            next = List.copyOf(next);
        }
    }

    /**
     * Finishes a node held by {@code agentId}'s claim, asking for up to {@code next} of the nodes it makes
     * READY to be claimed for the agent in the same step (0: none).
     */
    Finish finish(String runId, String node, String agentId, String claimId, Result result, int next) throws Unavailable;

    /**
     * Claims up to {@code max} READY nodes of the agent's runtimes for it (protocol v2), each node exactly once
     * across agents; when none is ready, waits up to {@code wait} (at most a third of the lease TTL) for one.
     * Renews the lease. Orphaned nodes are never answered here (they come as NODE_ORPHANED events).
     *
     * @return the claims won, possibly from several runs; empty when none came within {@code wait}
     * @throws NotRegistered when the agent holds no live lease
     * @param requestId names this request (null: none); sent again after a lost answer, the control plane
     *                  answers the claims it made for it that the agent still holds
     * @throws Unavailable   when no answer came; if {@link Unavailable#mayHaveHappened}, the control plane may
     *                       hold nodes for the agent that it was never told about (they stay on its lease):
     *                       send the same request again, with the same {@code requestId}
     * @throws IllegalArgumentException when {@code max} or {@code wait} is out of range
     */
    List<ClaimReply.Claimed> claimBatch(String agentId, int max, Duration wait, String requestId)
            throws Unavailable, NotRegistered, InterruptedException;

    /**
     * The claims a batch claim with {@code requestId} made that the agent still holds: what to run after that
     * claim's answer was lost (protocol v2). Renews the lease.
     *
     * @throws NotRegistered when the agent holds no live lease (then it holds nothing)
     * @throws Unavailable   when no answer came: ask again
     */
    List<ClaimReply.Claimed> claimedFor(String agentId, String requestId)
            throws Unavailable, NotRegistered, InterruptedException;

    /** One finish of a batch: the node, the claim that holds it, and its result. */
    record Finishing(String runId, String node, String claimId, Result result) {
    }

    /** How one finish of a batch went. */
    enum Outcome {
        /** It counted (or an identical finish had already counted). */
        FINISHED,
        /** The claim no longer holds the node, or the agent is not its holder: nothing changed. */
        STALE,
        /** No such run or node. */
        NOT_FOUND
    }

    /** The answer to a batch finish: one outcome per finish, in order, and the new claims. */
    record Finishes(List<Outcome> outcomes, List<ClaimReply.Claimed> next, List<Cancelled> cancelled) {
        public Finishes {
            outcomes = List.copyOf(outcomes);
            next = List.copyOf(next);
            cancelled = List.copyOf(cancelled);
        }

        public Finishes(List<Outcome> outcomes, List<ClaimReply.Claimed> next) {
            this(outcomes, next, List.of());
        }
    }

    /** A claim the agent holds on a node whose run was cancelled: stop that node. */
    record Cancelled(String runId, String node, String claimId) {
    }

    /**
     * Finishes several nodes held by the agent (protocol v2), each answered on its own, and claims up to
     * {@code next} new nodes for it: first nodes these finishes made READY (eager dispatch), then other READY
     * nodes of its runtimes. Renews the lease. The same batch sent again records nothing more and answers the
     * same outcomes and the same dispatched claims; other claims of a lost answer are not answered again.
     *
     * @throws NotRegistered when the agent holds no live lease (nothing was finished)
     * @throws Unavailable   when no answer came (the finishes may have counted: send them again)
     * @throws Refused       when the batch was refused whole: empty or too large, {@code next} out of range, a
     *                       finish without a claim, or a result over a limit of the control plane
     */
    Finishes finishBatch(String agentId, List<Finishing> finishes, int next)
            throws Unavailable, NotRegistered, Refused, InterruptedException;

    /**
     * Follows the agent's events (registering it with {@code runtimes}): the current set, or with
     * {@code lastPosition} the events after it; blocks, calling {@code listener}, until the stream ends
     * (returns), fails (throws), or {@link #close} is called from another thread. An adapter whose reads can
     * be interrupted also ends it when the calling thread is interrupted.
     */
    void follow(String agentId, List<String> runtimes, String lastPosition, Listener listener)
            throws Unavailable, InterruptedException;

    /** Ends every {@link #follow} in progress; the adapter stays usable (follow again). */
    default void endFollows() {
    }

    /** Ends every {@link #follow} in progress and releases what the adapter holds (its threads); idempotent. */
    @Override
    default void close() {
        endFollows();
    }
}
