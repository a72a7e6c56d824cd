package io.adagio.repository.etcd;

import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What was read about one node: its value (with the status its state key says, NONE when it has none), the
 * mod revision of its node key and of each of its state keys (0 when absent). {@link #guards} turns the
 * reading into transaction compares that hold exactly while nothing read has changed.
 *
 * @param runId          the node's run
 * @param node           the node; status from its state key
 * @param nodeRevision   mod revision of the node key
 * @param stateRevisions mod revision of each state key that exists
 * @param runningLease   the lease the running state key lives on (its holder's), 0 when there is none
 */
record NodeFacts(String runId, Node node, long nodeRevision, Map<NodeStatus, Long> stateRevisions, long runningLease) {

    /**
     * Compares that hold exactly while nothing read has changed: the node key's mod revision and, when the node
     * has one state key, that key's; otherwise (no state key: orphaned; or, never seen, several) all four state
     * keys as read, present with that revision or absent. One state key suffices because no writer — ours or the
     * original — changes a node's state without deleting its state key (a transition deletes the old key and puts
     * the new one in one transaction; a lease's end deletes the running key), so a state key at an unchanged
     * revision means no other exists. Two compares instead of five: each is a read inside etcd's transaction.
     */
    List<Cmp> guards(Keys keys) {
        List<Cmp> out = new ArrayList<>(5);
        out.add(new Cmp(Keys.bytes(keys.node(runId, node.name())), Cmp.Op.EQUAL, CmpTarget.modRevision(nodeRevision)));
        if (stateRevisions.size() == 1) {
            Map.Entry<NodeStatus, Long> only = stateRevisions.entrySet().iterator().next();
            out.add(new Cmp(Keys.bytes(keys.state(only.getKey(), runId, node.name())), Cmp.Op.EQUAL,
                    CmpTarget.modRevision(only.getValue())));
            return out;
        }
        for (NodeStatus s : Keys.KEYED) {
            out.add(new Cmp(Keys.bytes(keys.state(s, runId, node.name())), Cmp.Op.EQUAL,
                    CmpTarget.modRevision(stateRevisions.getOrDefault(s, 0L))));
        }
        return out;
    }
}
