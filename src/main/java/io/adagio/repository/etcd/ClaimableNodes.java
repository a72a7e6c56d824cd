package io.adagio.repository.etcd;

import io.adagio.engine.NodeEvents;
import io.adagio.model.Event;
import io.adagio.model.NodeStatus;
import io.etcd.jetcd.KeyValue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The nodes claimable at one revision, as the events that offer them ({@link NodeEvents#offer}): every node
 * with a ready state key, and every node key without a state key (orphaned), both only for runs visible at that
 * revision; and a NODE_CANCELLED for each signal key (a running node whose holder is to stop it). Orphans are looked for
 * only when the counts say some exist (node keys outnumber state keys), so the common case costs a keys-only
 * read of {@code states/ready/} and six counts.
 */
final class ClaimableNodes {
    private final Keys keys;
    private final KeyRanges ranges;
    private final RunShapes shapes;
    private final EtcdCodec codec;

    ClaimableNodes(Keys keys, KeyRanges ranges, RunShapes shapes, EtcdCodec codec) {
        this.keys = keys;
        this.ranges = ranges;
        this.shapes = shapes;
        this.codec = codec;
    }

    /** The claimable nodes at {@code revision}: ready ones first, then orphans. */
    List<Event> at(long revision) {
        List<Event> out = new ArrayList<>();
        for (KeyValue kv : ranges.all(keys.states(NodeStatus.READY), revision, true)) {
            keys.parseState(Keys.text(kv.getKey())).flatMap(s -> offer(s.node(), NodeStatus.READY, revision))
                    .ifPresent(out::add);
        }
        for (Keys.NodeRef orphan : orphans(revision)) {
            offer(orphan, NodeStatus.NONE, revision).ifPresent(out::add);
        }
        cancelled(revision, out);
        return out;
    }

    /** A NODE_CANCELLED for each signal key at {@code revision}: a running node its holder is to stop. */
    private void cancelled(long revision, List<Event> out) {
        for (KeyValue kv : ranges.all(keys.signals(), revision, false)) {
            keys.parseSignal(Keys.text(kv.getKey())).ifPresent(ref -> shapes.visibleAt(ref.runId(), revision)
                    .filter(shape -> shape.topology().contains(ref.name()))
                    .map(shape -> {
                        EtcdCodec.Signal signal = codec.signal(kv.getValue());
                        return NodeEvents.cancelled(ref.runId(), shape.topology().spec(ref.name()), signal.agentId(),
                                signal.claimId());
                    })
                    .ifPresent(out::add));
        }
    }

    /** The claimable nodes at the index's revision, the orphans taken from the index instead of a scan. */
    Claimable at(OrphanIndex.At index) {
        List<Event> out = new ArrayList<>();
        long revision = index.revision();
        for (KeyValue kv : ranges.all(keys.states(NodeStatus.READY), revision, true)) {
            keys.parseState(Keys.text(kv.getKey())).flatMap(s -> offer(s.node(), NodeStatus.READY, revision))
                    .ifPresent(out::add);
        }
        for (Keys.NodeRef orphan : index.orphans()) {
            offer(orphan, NodeStatus.NONE, revision).ifPresent(out::add);
        }
        cancelled(revision, out);
        return new Claimable(revision, out);
    }

    /** The claimable nodes at a revision. */
    record Claimable(long revision, List<Event> events) {
    }

    /** How many node keys have no state key at {@code revision}: counts only, so it costs no transfer of keys. */
    long orphanCount(long revision) {
        long[] counts = ranges.counts(keys.statesThenNodes(), revision);
        long stateKeys = 0;
        for (int i = 0; i < Keys.KEYED.size(); i++) {
            stateKeys += counts[i];
        }
        return Math.max(0, counts[Keys.KEYED.size()] - stateKeys);
    }

    /** The nodes with no state key at {@code revision} (of any run, visible or not): a scan of every key. */
    Set<Keys.NodeRef> orphans(long revision) {
        if (orphanCount(revision) == 0) {
            return Set.of();
        }
        Set<Keys.NodeRef> keyed = new HashSet<>();
        for (NodeStatus s : Keys.KEYED) {
            for (KeyValue kv : ranges.all(keys.states(s), revision, true)) {
                keys.parseState(Keys.text(kv.getKey())).ifPresent(k -> keyed.add(k.node()));
            }
        }
        Set<Keys.NodeRef> out = new LinkedHashSet<>();
        for (KeyValue kv : ranges.all(keys.nodes(), revision, true)) {
            keys.parseNode(Keys.text(kv.getKey())).filter(ref -> !keyed.contains(ref)).ifPresent(out::add);
        }
        return out;
    }

    /** The event offering a node in that state ({@link NodeEvents#offer}), if its run was visible at the revision. */
    Optional<Event> offer(Keys.NodeRef ref, NodeStatus status, long revision) {
        return shapes.visibleAt(ref.runId(), revision)
                .filter(shape -> shape.topology().contains(ref.name()))
                .flatMap(shape -> NodeEvents.offer(ref.runId(), shape.topology().spec(ref.name()), status));
    }
}
