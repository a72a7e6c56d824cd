package io.adagio.agent;

import io.adagio.model.Claim;
import io.adagio.model.Event;
import io.adagio.model.Node;
import io.adagio.model.Result;

import java.util.List;

/**
 * The agent pool's port: everything an agent asks of a control plane. Two adapters: over the public HTTP + SSE
 * API ({@code agent.http}, exactly what an agent in any language does) and in process (beside the application
 * layer, no HTTP, no JSON). Both answer alike; {@code ControlPlaneContract} proves it.
 */
public interface ControlPlane extends AutoCloseable {

    /** The control plane did not answer usefully (unreachable, 5xx, store unavailable); try again later. */
    final class Unavailable extends Exception {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What a claim came to. */
    sealed interface ClaimReply {
        /** The agent holds the node: run it, then finish with {@code claim.id()}. */
        record Claimed(Claim claim, Node node) implements ClaimReply {
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
     * Follows the agent's events (registering it with {@code runtimes}): the current set, or with
     * {@code lastPosition} the events after it; blocks, calling {@code listener}, until the stream ends
     * (returns), fails (throws), or {@link #close} is called from another thread. An adapter whose reads can
     * be interrupted also ends it when the calling thread is interrupted.
     */
    void follow(String agentId, List<String> runtimes, String lastPosition, Listener listener)
            throws Unavailable, InterruptedException;

    /** Ends every {@link #follow} in progress and releases what the adapter holds; idempotent. */
    @Override
    default void close() {
    }
}
