package io.adagio.engine;

import io.adagio.model.Conclusion;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.RunOutcome;
import io.adagio.model.RunStatus;

import java.util.Collection;

/** A run's status and outcome, derived from its nodes (never stored, so it cannot disagree with them). */
public final class RunVerdict {
    private RunVerdict() {
    }

    /** The run of these nodes (as read), its status, outcome and whether it is paused derived from them. */
    public static io.adagio.model.Run run(String id, java.time.Instant createdAt, java.util.List<Node> nodes,
                                          java.util.List<io.adagio.model.Edge> edges, String rerunOf,
                                          String deadline, String ttl) {
        return new io.adagio.model.Run(id, createdAt, status(nodes), outcome(nodes), nodes, edges, rerunOf,
                Pausing.isPaused(nodes), deadline, ttl);
    }

    /** COMPLETED when every node is; WAITING while no node was ever claimed; RUNNING otherwise. */
    public static RunStatus status(Collection<Node> nodes) {
        boolean allCompleted = true;
        boolean untouched = true;
        for (Node n : nodes) {
            if (n.status() != NodeStatus.COMPLETED) {
                allCompleted = false;
            }
            if (!(n.status() == NodeStatus.WAITING || n.status() == NodeStatus.READY) || !n.attempts().isEmpty()) {
                untouched = false;
            }
        }
        if (allCompleted) {
            return RunStatus.COMPLETED;
        }
        return untouched ? RunStatus.WAITING : RunStatus.RUNNING;
    }

    /**
     * CANCELLED once its cancel reached a node; else FAILED once some node failed for good; SUCCEEDED when all
     * completed with SUCCESS; else null (undecided).
     */
    public static RunOutcome outcome(Collection<Node> nodes) {
        for (Node n : nodes) {
            if (n.cancelled()) {
                return RunOutcome.CANCELLED;
            }
        }
        boolean allDone = true;
        for (Node n : nodes) {
            if (failedForGood(n)) {
                return RunOutcome.FAILED;
            }
            if (n.status() != NodeStatus.COMPLETED) {
                allDone = false;
            }
        }
        return allDone ? RunOutcome.SUCCEEDED : null;
    }

    /**
     * Whether this node failed for good: completed, not skipped, and not with a SUCCESS (its last attempt failed
     * or errored, or it has none). One such node makes its run FAILED unless it is CANCELLED ({@link #outcome}).
     */
    public static boolean failedForGood(Node n) {
        return n.status() == NodeStatus.COMPLETED && !n.skipped()
                && (n.lastAttempt() == null || n.lastAttempt().conclusion() != Conclusion.SUCCESS);
    }
}
