package io.adagio.engine;

import io.adagio.model.Conclusion;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A manual retry of a run in place (same run, attempts kept), decided from the run as read: which nodes come back
 * ({@link #ofRun}, {@link #ofNodes}), then applicable one node at a time ({@link #apply}), so a backend may store
 * it in any number of steps, and a step applied again changes nothing. Pure.
 * <ul>
 *   <li>The nodes retried come back WAITING, or READY when they have heard from every parent; no longer skipped
 *       or cancelled; their retry rules count attempts only from the retry on ({@link Node#retryFrom}).</li>
 *   <li>With them comes everything downstream of them that has not succeeded and is not running (what their
 *       failure skipped or their cancel ended, and a node that runs whatever happened, which must hear from them
 *       again).</li>
 *   <li>A retried node hears again from the parents it had heard from that are not retried, and from every parent
 *       that has succeeded (a cancel keeps a node that succeeded in its grace from passing its output on).</li>
 *   <li>A whole run's retry also takes the cancelled mark off the nodes that succeeded, so the run's outcome is
 *       decided again.</li>
 * </ul>
 *
 * @param reset      the nodes that come back
 * @param uncancel   the nodes that keep their result but lose the cancelled mark
 * @param succeeded  the nodes not reset that have succeeded (their output stands)
 * @param completed  the nodes not reset that have completed, whatever the conclusion
 * @param paused     whether the run is paused (the nodes that come back then wait for its resume)
 */
public record Retrying(Set<String> reset, Set<String> uncancel, Set<String> succeeded, Set<String> completed,
                       boolean paused) {

    /** Why a retry is refused; nothing is changed. */
    public enum Refusal {
        /** A whole-run retry of a run that has not ended FAILED or CANCELLED. */
        RUN_NOT_RETRYABLE,
        /** A named node that has not failed, been skipped or been cancelled. */
        NODE_NOT_RETRYABLE
    }

    /** A retry that cannot be done. */
    public static final class RefusedException extends RuntimeException {
        private final Refusal refusal;
        private final String runId;
        private final String node;

        RefusedException(Refusal refusal, String runId, String node, String message) {
            super(message);
            this.refusal = refusal;
            this.runId = runId;
            this.node = node;
        }

        public String runId() {
            return runId;
        }

        public Refusal refusal() {
            return refusal;
        }

        /** The node refused, or null for the run. */
        public String node() {
            return node;
        }
    }

    /**
     * Whether a node completed without succeeding: failed for good, skipped, or cancelled before it succeeded (one
     * that succeeded in its cancel's grace keeps its result).
     */
    public static boolean retryable(Node n) {
        return n.status() == NodeStatus.COMPLETED && !succeeded(n);
    }

    private static boolean succeeded(Node n) {
        Result last = n.lastAttempt();
        return n.status() == NodeStatus.COMPLETED && !n.skipped() && last != null
                && last.conclusion() == Conclusion.SUCCESS;
    }

    /**
     * The retry of a whole run that ended FAILED or CANCELLED: every failed, skipped and cancelled node comes back.
     *
     * @throws RefusedException when the run has not ended so
     */
    public static Retrying ofRun(String runId, Topology topology, Map<String, Node> nodes) {
        Collection<Node> all = nodes.values();
        if (RunVerdict.status(all) != io.adagio.model.RunStatus.COMPLETED
                || RunVerdict.outcome(all) == io.adagio.model.RunOutcome.SUCCEEDED) {
            throw new RefusedException(Refusal.RUN_NOT_RETRYABLE, runId, null, "only a run that ended FAILED or CANCELLED "
                    + "is retried whole; name the nodes to retry in a run still running");
        }
        List<String> chosen = new ArrayList<>();
        for (Node n : all) {
            if (retryable(n)) {
                chosen.add(n.name());
            }
        }
        Retrying plan = plan(topology, nodes, chosen);
        Set<String> uncancel = new LinkedHashSet<>();
        for (Node n : all) {
            if (n.cancelled() && !plan.reset.contains(n.name())) {
                uncancel.add(n.name());
            }
        }
        return new Retrying(plan.reset, uncancel, plan.succeeded, plan.completed, plan.paused);
    }

    /**
     * The retry of the named nodes (and their downstream), in a run that has ended or still runs.
     *
     * @throws RefusedException when a node has not failed, been skipped or been cancelled, or the run is being
     *                          cancelled
     */
    public static Retrying ofNodes(String runId, Topology topology, Map<String, Node> nodes, Collection<String> names) {
        Collection<Node> all = nodes.values();
        if (all.stream().anyMatch(n -> n.cancelled() && n.status() != NodeStatus.COMPLETED)) {
            throw new RefusedException(Refusal.RUN_NOT_RETRYABLE, runId, null, "the run is being cancelled; retry it once "
                    + "it has completed");
        }
        for (String name : names) {
            if (!retryable(nodes.get(name))) {
                throw new RefusedException(Refusal.NODE_NOT_RETRYABLE, runId, name, "node " + name + " is "
                        + nodes.get(name).status() + " and has not failed, been skipped or been cancelled");
            }
        }
        return plan(topology, nodes, names);
    }

    private static Retrying plan(Topology topology, Map<String, Node> nodes, Collection<String> chosen) {
        Set<String> reset = new LinkedHashSet<>(chosen);
        for (String name : chosen) {
            for (String d : topology.downstream(name)) {
                Node n = nodes.get(d);
                if (!succeeded(n) && n.status() != NodeStatus.RUNNING) {
                    reset.add(d);
                }
            }
        }
        Set<String> succeeded = new LinkedHashSet<>();
        Set<String> completed = new LinkedHashSet<>();
        for (Node n : nodes.values()) {
            if (!reset.contains(n.name()) && n.status() == NodeStatus.COMPLETED) {
                completed.add(n.name());
                if (succeeded(n)) {
                    succeeded.add(n.name());
                }
            }
        }
        return new Retrying(reset, Set.of(), succeeded, completed, Pausing.isPaused(nodes.values()));
    }

    /** The node after the retry, as it is now; empty when the retry does not change it (or has already). */
    public Optional<Node> apply(Topology topology, Node node) {
        if (uncancel.contains(node.name())) {
            return node.cancelled() ? Optional.of(node.uncancelled()) : Optional.empty();
        }
        if (!reset.contains(node.name()) || node.status() == NodeStatus.RUNNING || succeeded(node)) {
            return Optional.empty(); // running, or it ran and succeeded since the plan was made: it stands
        }
        boolean whatever = node.spec().runsWhateverHappened();
        List<String> heard = new ArrayList<>();
        for (String parent : topology.parents(node.name())) {
            boolean had = node.inputsFrom().contains(parent) && !reset.contains(parent);
            if (had || (whatever ? completed : succeeded).contains(parent)) {
                heard.add(parent);
            }
        }
        boolean ready = !paused && heard.containsAll(topology.parents(node.name()));
        Node next = node.retried(ready ? NodeStatus.READY : NodeStatus.WAITING, heard, paused);
        boolean same = node.status() != NodeStatus.COMPLETED && node.status() == next.status()
                && node.inputsFrom().equals(heard) && !node.skipped() && !node.cancelled() && node.paused() == paused;
        return same ? Optional.empty() : Optional.of(next);
    }
}
