package io.adagio.repository.etcd;

import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.watch.WatchEvent;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns the watched changes of one revision into events, in the order etcd reports the changes:
 * <ul>
 *   <li>the creation of a run key (a run becoming visible) → NODE_READY for each of its roots, in spec order
 *       (their ready keys were written by the start's batches, before the run was visible, and are ignored);</li>
 *   <li>a PUT of a {@code states/ready/} key of a visible run → NODE_READY;</li>
 *   <li>a DELETE of a {@code states/running/} key when the same revision puts no other state key for that node
 *       (a lease expired or was revoked) → NODE_ORPHANED.</li>
 * </ul>
 * Deterministic: every replica derives the same events, at the same indexes, from the same revision. The spec
 * of a node comes from the cached run shape.
 */
final class WatchTranslator {
    private final Keys keys;
    private final RunShapes shapes;

    WatchTranslator(Keys keys, RunShapes shapes) {
        this.keys = keys;
        this.shapes = shapes;
    }

    /** The events of one revision; {@code changes} are all of that revision's watched changes. */
    List<Event> translate(long revision, List<WatchEvent> changes) {
        Set<Keys.NodeRef> stated = new HashSet<>();
        for (WatchEvent c : changes) {
            if (c.getEventType() == WatchEvent.EventType.PUT) {
                keys.parseState(Keys.text(c.getKeyValue().getKey())).ifPresent(s -> stated.add(s.node()));
            }
        }
        List<Event> out = new ArrayList<>();
        for (WatchEvent c : changes) {
            KeyValue kv = c.getKeyValue();
            String key = Keys.text(kv.getKey());
            if (c.getEventType() == WatchEvent.EventType.PUT) {
                Optional<String> runId = keys.parseRun(key);
                if (runId.isPresent()) {
                    if (kv.getVersion() == 1) {
                        RunShape shape = shapes.remember(runId.get(), kv);
                        for (NodeSpec spec : shape.topology().specs()) {
                            if (shape.topology().isRoot(spec.name())) {
                                out.add(new Event(EventType.NODE_READY, shape.id(), spec));
                            }
                        }
                    }
                    continue;
                }
                keys.parseState(key).filter(s -> s.status() == NodeStatus.READY)
                        .flatMap(s -> event(EventType.NODE_READY, s.node(), revision)).ifPresent(out::add);
            } else if (c.getEventType() == WatchEvent.EventType.DELETE) {
                keys.parseState(key).filter(s -> s.status() == NodeStatus.RUNNING && !stated.contains(s.node()))
                        .flatMap(s -> event(EventType.NODE_ORPHANED, s.node(), revision)).ifPresent(out::add);
            }
        }
        return out;
    }

    private Optional<Event> event(EventType type, Keys.NodeRef ref, long revision) {
        return shapes.visibleAt(ref.runId(), revision - 1)
                .filter(shape -> shape.topology().contains(ref.name()))
                .map(shape -> new Event(type, ref.runId(), shape.topology().spec(ref.name())));
    }
}
