package io.adagio.repository.etcd;

import io.adagio.engine.NodeEvents;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.watch.WatchEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns the watched changes of one revision into events: each change of state it sees is handed to the
 * engine's {@link NodeEvents}, as the memory backend hands it each change it applies.
 * <ul>
 *   <li>the creation of a run key (a run becoming visible) is every node's change from nothing to its initial
 *       state (NODE_READY for its roots whose READY keys come in that revision, in spec order; the state keys
 *       written by the start's batches, before the run was visible, are ignored; roots released after the run
 *       key are announced by their own READY keys);</li>
 *   <li>a signal key put ({@link EtcdCancels}) is the NODE_CANCELLED of its node, naming the agent the signal is
 *       for;</li>
 *   <li>the state keys of a node deleted and put in one revision are its change from the deleted key's state
 *       (none when only a key was put) to the put key's state (none when only a key was deleted: a lease
 *       expired or was revoked), for runs visible before that revision.</li>
 * </ul>
 * Deterministic: every replica derives the same events, at the same indexes (in the order of each node's
 * first change), from the same revision. The spec of a node comes from the cached run shape.
 */
final class WatchTranslator {
    private final Keys keys;
    private final RunShapes shapes;
    private final EtcdCodec codec;

    WatchTranslator(Keys keys, RunShapes shapes, EtcdCodec codec) {
        this.keys = keys;
        this.shapes = shapes;
        this.codec = codec;
    }

    /** The events of one revision; {@code changes} are all of that revision's watched changes. */
    List<Event> translate(long revision, List<WatchEvent> changes) {
        Map<Keys.NodeRef, NodeStatus> before = new HashMap<>();
        Map<Keys.NodeRef, NodeStatus> after = new HashMap<>();
        for (WatchEvent c : changes) {
            keys.parseState(Keys.text(c.getKeyValue().getKey())).ifPresent(s ->
                    (c.getEventType() == WatchEvent.EventType.PUT ? after : before).put(s.node(), s.status()));
        }
        List<Event> out = new ArrayList<>();
        Set<Keys.NodeRef> seen = new HashSet<>();
        for (WatchEvent c : changes) {
            KeyValue kv = c.getKeyValue();
            String key = Keys.text(kv.getKey());
            if (c.getEventType() == WatchEvent.EventType.DELETE) {
                keys.parseRun(key).ifPresent(shapes::forget); // a deleted run: no replica keeps its shape
            }
            Optional<String> runId = c.getEventType() == WatchEvent.EventType.PUT ? keys.parseRun(key) : Optional.empty();
            if (runId.isPresent()) {
                if (kv.getVersion() == 1) {
                    RunShape shape = shapes.remember(runId.get(), kv);
                    for (NodeSpec spec : shape.topology().specs()) {
                        // a root is READY with its run only when its READY key comes in the same revision: the
                        // roots of a large start released after the run key are announced when their keys come
                        boolean ready = shape.topology().isRoot(spec.name())
                                && after.get(new Keys.NodeRef(shape.id(), spec.name())) == NodeStatus.READY;
                        NodeEvents.of(shape.id(), spec, null, ready ? NodeStatus.READY : NodeStatus.WAITING)
                                .ifPresent(out::add);
                    }
                }
                continue;
            }
            Optional<Keys.NodeRef> signalled = c.getEventType() == WatchEvent.EventType.PUT ? keys.parseSignal(key)
                    : Optional.empty();
            if (signalled.isPresent()) {
                EtcdCodec.Signal signal = codec.signal(kv.getValue());
                shapes.visibleAt(signalled.get().runId(), revision - 1)
                        .filter(shape -> shape.topology().contains(signalled.get().name()))
                        .map(shape -> NodeEvents.cancelled(shape.id(), shape.topology().spec(signalled.get().name()),
                                signal.agentId(), signal.claimId()))
                        .ifPresent(out::add);
                continue;
            }
            keys.parseState(key).map(Keys.StateKey::node).filter(seen::add).ifPresent(ref ->
                    NodeEvents.type(before.getOrDefault(ref, NodeStatus.NONE), after.getOrDefault(ref, NodeStatus.NONE))
                            .flatMap(type -> event(type, ref, revision)).ifPresent(out::add));
        }
        return out;
    }

    private Optional<Event> event(EventType type, Keys.NodeRef ref, long revision) {
        return shapes.visibleAt(ref.runId(), revision - 1)
                .filter(shape -> shape.topology().contains(ref.name()))
                .map(shape -> new Event(type, ref.runId(), shape.topology().spec(ref.name())));
    }
}
