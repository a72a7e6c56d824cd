package io.adagio.engine;

import io.adagio.model.Node;
import io.adagio.model.NodeStatus;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node's final finish passes on to other nodes, applicable one target node at a time. A backend that
 * cannot change every target in the same atomic step as the finished node (a large fan-out on etcd) records the
 * finish first and then applies this to each target, in any order, any number of times: {@link #apply} is
 * idempotent and commutes with the propagations of other parents, so replaying it after a crash, or two
 * replicas applying it at once, leaves the same result as changing every target in the finished node's own step.
 *
 * @param from   the finished node
 * @param kind   {@link Kind#OUTPUT} after a SUCCESS, {@link Kind#SKIP} after a final FAIL or ERROR
 * @param output the finished node's output (OUTPUT only; may be null)
 * @param at     when the node finished: the {@code finished_at} of skipped nodes
 */
public record Propagation(String from, Kind kind, byte[] output, Instant at) {

    /** What is passed on. */
    public enum Kind {
        /** The output becomes an input of every child; a child with all its parents' inputs becomes READY. */
        OUTPUT,
        /** Every node downstream that has not completed is completed as skipped. */
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
        return kind == Kind.OUTPUT ? topology.children(from) : List.copyOf(topology.downstream(from));
    }

    /**
     * The target's next value, or empty when it already has everything this propagation gives (so applying it
     * again changes nothing).
     * <ul>
     *   <li>OUTPUT: the target gets {@code from}'s output as an input (whatever its state); a WAITING target holding the inputs of all its parents becomes
     *       READY.</li>
     *   <li>SKIP: a target not COMPLETED becomes COMPLETED, skipped, finished at {@link #at}.</li>
     * </ul>
     */
    public Optional<Node> apply(Topology topology, Node target) {
        if (kind == Kind.SKIP) {
            return target.status() == NodeStatus.COMPLETED ? Optional.empty() : Optional.of(target.asSkipped(at));
        }
        boolean has = target.inputs().containsKey(from) && Arrays.equals(target.inputs().get(from), output);
        Node next = has ? target : target.withInput(from, output);
        if (next.status() == NodeStatus.WAITING && next.inputs().keySet().containsAll(topology.parents(target.name()))) {
            next = next.withStatus(NodeStatus.READY);
        }
        return next == target ? Optional.empty() : Optional.of(next);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Propagation p && from.equals(p.from) && kind == p.kind && Arrays.equals(output, p.output)
                && Objects.equals(at, p.at);
    }

    @Override
    public int hashCode() {
        return Objects.hash(from, kind, at) * 31 + Arrays.hashCode(output);
    }

    @Override
    public String toString() {
        return "Propagation[" + kind + " from " + from + (output == null ? "" : ", " + output.length + " bytes") + "]";
    }
}
