package io.adagio.repository.etcd;

import io.adagio.model.NodeStatus;
import io.adagio.repository.ClaimOutcome;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Op;

import java.util.ArrayList;
import java.util.List;

/**
 * The WAITING children of the nodes a transaction claims, read by that transaction after its writes (two gets
 * each: the node key and its waiting key) and kept ({@link KnownFacts}) for the finish of the claimed node, which
 * changes them: that finish then needs no read. A child in another state is not kept (its finish reads), and
 * the facts are guarded like any read, so a child another finish changed meanwhile fails the guards and is read.
 * Claims (single and batch) and finishes (what they claim for their agent) use it alike.
 */
final class ChildrenAhead {
    private final NodeReader reader;
    private final RunShapes shapes;
    private final KnownFacts known;
    /** {@link TxnLimits#childrenPerFinish}: a finish with more children passes on in steps and reads none ahead. */
    private final int smallFinish;

    ChildrenAhead(NodeReader reader, RunShapes shapes, KnownFacts known, int smallFinish) {
        this.reader = reader;
        this.shapes = shapes;
        this.known = known;
        this.smallFinish = smallFinish;
    }

    /**
     * The children to read of the nodes {@code claimed} (those of runs whose shape this replica has, with at most
     * {@code smallFinish} children), when their gets fit in {@code room} more operations; otherwise none.
     */
    List<Keys.NodeRef> of(List<ClaimOutcome> claimed, int room) {
        List<Keys.NodeRef> out = new ArrayList<>();
        for (ClaimOutcome c : claimed) {
            List<String> kids = shapes.cached(c.runId()).map(s -> s.topology().children(c.node().name())).orElse(List.of());
            if (kids.size() <= smallFinish) {
                kids.forEach(k -> out.add(new Keys.NodeRef(c.runId(), k)));
            }
        }
        return NodeReader.EXPECTED_GETS * out.size() <= room ? out : List.of();
    }

    /** Their gets, to {@code ops} (after the transaction's writes, so they read what it wrote). */
    void addGets(List<Keys.NodeRef> refs, List<Op> ops) {
        refs.forEach(ref -> reader.addGets(ref, NodeStatus.WAITING, ops));
    }

    /** Keeps the facts of those still WAITING, from the answer's get responses starting at {@code from}. */
    void keep(List<Keys.NodeRef> refs, List<GetResponse> got, int from) {
        for (int i = 0; i < refs.size(); i++) {
            int at = from + NodeReader.EXPECTED_GETS * i;
            NodeFacts f = reader.factsIf(refs.get(i), NodeStatus.WAITING, got.subList(at, at + NodeReader.EXPECTED_GETS));
            if (f != null) {
                known.put(f);
            }
        }
    }
}
