package io.adagio.engine;

import io.adagio.model.Node;
import io.adagio.model.NodeStatus;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a node's final finish passes on to other nodes, applicable one target node at a time. A backend that
 * cannot change every target in the same atomic step as the finished node (a large fan-out on etcd) records the
 * finish first and then applies this to each target, in any order, any number of times: {@link #apply} is
 * idempotent and commutes with the propagations of other parents, so replaying it after a crash, or two
 * replicas applying it at once, leaves the same result as changing every target in the finished node's own step.
 *
 * <p>An output is not copied into the children: it stays with the attempt that made it, and a child records only
 * that it has received it ({@link Node#inputsFrom}); its inputs are filled in when it is read ({@link Inputs}).
 *
 * @param from the finished node
 * @param kind {@link Kind#OUTPUT} after a SUCCESS, {@link Kind#SKIP} after a final FAIL or ERROR
 * @param at   when the node finished: the {@code finished_at} of skipped nodes
 */
public record Propagation(String from, Kind kind, Instant at) {

    /** What is passed on. */
    public enum Kind {
        /** The output reaches every child; a child that has every parent's becomes READY. */
        OUTPUT,
        /**
         * Every node downstream that has not completed is completed as skipped, up to (not through) the nodes that
         * run whatever happened upstream ({@link Topology#reachedByFailure}).
         */
        SKIP
    }

    public Propagation {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(kind, "kind");
    }

    /**
     * The nodes it reaches: the children for {@link Kind#OUTPUT}, every node downstream (breadth first) for
     * {@link Kind#SKIP}.
     */
    public List<String> targets(Topology topology) {
        return kind == Kind.OUTPUT ? topology.children(from) : List.copyOf(topology.reachedByFailure(from));
    }

    /**
     * The target's next value, or empty when it already has everything this propagation gives (so applying it
     * again changes nothing).
     * <ul>
     *   <li>OUTPUT: the target records that it has {@code from}'s output (whatever its state); a WAITING target
     *       that has the outputs of all its parents becomes READY (unless its run is paused: {@link Pausing}).</li>
     *   <li>SKIP: a target not COMPLETED (nor RUNNING) becomes COMPLETED, skipped, finished at {@link #at} — but one that runs
     *       whatever happened upstream records that its parents on the failure's way finished, and becomes READY
     *       once it has heard from all its parents.</li>
     * </ul>
     */
    public Optional<Node> apply(Topology topology, Node target) {
        Node next;
        if (kind == Kind.SKIP && target.spec().runsWhateverHappened()) {
            // it hears that its parents on the failure's way finished (they bring no input: none succeeded)
            Set<String> failedOrSkipped = topology.reachedByFailure(from);
            next = target;
            for (String parent : topology.parents(target.name())) {
                if (parent.equals(from) || failedOrSkipped.contains(parent)
                        && !topology.spec(parent).runsWhateverHappened()) {
                    next = next.withInputFrom(parent);
                }
            }
        } else if (kind == Kind.SKIP) {
            // a node past the failure is RUNNING only when someone completed a node between by hand: its agent's
            // work stands (its finish is not fenced off)
            boolean leave = target.status() == NodeStatus.COMPLETED || target.status() == NodeStatus.RUNNING;
            return leave ? Optional.empty() : Optional.of(target.asSkipped(at));
        } else {
            next = target.withInputFrom(from);
        }
        if (next.status() == NodeStatus.WAITING && !next.paused() && next.readyAt() == null && heardFromAll(topology, next)) {
            next = next.withStatus(NodeStatus.READY);
        }
        return next == target ? Optional.empty() : Optional.of(next);
    }

    /** Whether a node has heard from every parent (an output, or a finish on the way of a failure). */
    static boolean heardFromAll(Topology topology, Node node) {
        return node.inputsFrom().containsAll(topology.parents(node.name()));
    }

    @Override
    public String toString() {
        return "Propagation[" + kind + " from " + from + "]";
    }
}
