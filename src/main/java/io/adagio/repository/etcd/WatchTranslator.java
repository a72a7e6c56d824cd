package io.adagio.repository.etcd;

import io.adagio.engine.NodeEvents;
import io.adagio.model.Deferred;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.NodeView;
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
 * After those events to agents come the observers' NODE_STATUS events: one for each node of a run becoming
 * visible (spec order), and one for each node of a visible run whose state key or value changed, in the order
 * of its first change.
 * Deterministic: every replica derives the same events, at the same indexes (in the order of each node's
 * first change), from the same revision. The spec of a node comes from the cached run shape.
 */
final class WatchTranslator {
    private final Keys keys;
    private final RunShapes shapes;
    private final EtcdCodec codec;
    private final NodeAt nodes;

    /**
     * Reads nodes' values as they were at a revision (orphaned nodes, whose revision wrote no node value), all at
     * once; a node without a value then is left out.
     */
    interface NodeAt {
        Map<Keys.NodeRef, Node> read(List<Keys.NodeRef> refs, long revision);
    }

    WatchTranslator(Keys keys, RunShapes shapes, EtcdCodec codec, NodeAt nodes) {
        this.keys = keys;
        this.shapes = shapes;
        this.codec = codec;
        this.nodes = nodes;
    }

    /** A translator whose node reads go to etcd, at the revision asked about. */
    static WatchTranslator reading(Keys keys, RunShapes shapes, EtcdCodec codec, io.etcd.jetcd.KV kv, EtcdCalls calls) {
        return new WatchTranslator(keys, shapes, codec, (refs, revision) -> {
            // every read sent at once, then awaited: one round trip for a lease's worth of orphaned nodes
            Map<Keys.NodeRef, java.util.concurrent.CompletableFuture<io.etcd.jetcd.kv.GetResponse>> sent = new java.util.LinkedHashMap<>();
            for (Keys.NodeRef ref : refs) {
                sent.put(ref, kv.get(Keys.bytes(keys.node(ref.runId(), ref.name())),
                        io.etcd.jetcd.options.GetOption.builder().withRevision(revision).build()));
            }
            Map<Keys.NodeRef, Node> out = new HashMap<>();
            for (Map.Entry<Keys.NodeRef, java.util.concurrent.CompletableFuture<io.etcd.jetcd.kv.GetResponse>> e : sent.entrySet()) {
                io.etcd.jetcd.kv.GetResponse r = calls.await(e.getValue(), "reading node " + e.getKey());
                if (!r.getKvs().isEmpty()) {
                    out.put(e.getKey(), codec.node(r.getKvs().get(0).getValue()));
                }
            }
            return out;
        });
    }

    /** The events of one revision; {@code changes} are all of that revision's watched changes. */
    List<Event> translate(long revision, List<WatchEvent> changes) {
        Map<Keys.NodeRef, NodeStatus> before = new HashMap<>();
        Map<Keys.NodeRef, NodeStatus> after = new HashMap<>();
        Map<Keys.NodeRef, KeyValue> nodePuts = new HashMap<>();
        Set<Keys.NodeRef> changed = new java.util.LinkedHashSet<>(); // nodes whose state or value changed, in order
        Set<Keys.NodeRef> gone = new HashSet<>(); // nodes whose value was deleted (their run is being deleted)
        Set<String> deletedRuns = new HashSet<>();
        for (WatchEvent c : changes) {
            String key = Keys.text(c.getKeyValue().getKey());
            boolean put = c.getEventType() == WatchEvent.EventType.PUT;
            Optional<Keys.StateKey> state = keys.parseState(key);
            if (state.isPresent()) {
                (put ? after : before).put(state.get().node(), state.get().status());
                changed.add(state.get().node());
                continue;
            }
            Optional<Keys.NodeRef> node = keys.parseNode(key);
            if (node.isPresent()) {
                changed.add(node.get());
                if (put) {
                    nodePuts.put(node.get(), c.getKeyValue());
                } else {
                    gone.add(node.get());
                }
            }
            if (!put) {
                keys.parseRun(key).ifPresent(deletedRuns::add);
            }
        }
        List<Event> out = new ArrayList<>();
        List<Event> observed = new ArrayList<>();
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
                        NodeStatus first = ready ? NodeStatus.READY : NodeStatus.WAITING;
                        NodeEvents.of(shape.id(), spec, null, first).ifPresent(out::add);
                        observed.add(NodeEvents.status(shape.id(), Node.initial(spec, first), first));
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
        List<Keys.NodeRef> toRead = new ArrayList<>();
        List<Keys.NodeRef> told = new ArrayList<>();
        for (Keys.NodeRef ref : changed) {
            if (gone.contains(ref) || deletedRuns.contains(ref.runId()) || !(nodePuts.containsKey(ref) || after.containsKey(ref)
                    || before.containsKey(ref)) || shapes.visibleAt(ref.runId(), revision - 1)
                    .filter(sh -> sh.topology().contains(ref.name())).isEmpty()) {
                continue; // a run being deleted, or not visible before this revision: no NODE_STATUS
            }
            told.add(ref);
            if (!nodePuts.containsKey(ref)) {
                toRead.add(ref);
            }
        }
        Map<Keys.NodeRef, Node> read = toRead.isEmpty() ? Map.of() : nodes.read(toRead, revision);
        for (Keys.NodeRef ref : told) {
            status(ref, before, after, nodePuts.get(ref), read.get(ref)).ifPresent(observed::add);
        }
        out.addAll(observed);
        return out;
    }

    /**
     * The NODE_STATUS of a node whose state key or value changed in this revision (of a run visible before it): its
     * value as put (or, when only its state key went, its value as it was: an orphaned node), in the state its
     * state keys say — a node whose state key was deleted and none put is orphaned (NONE).
     */
    private Optional<Event> status(Keys.NodeRef ref, Map<Keys.NodeRef, NodeStatus> before,
                                   Map<Keys.NodeRef, NodeStatus> after, KeyValue put, Node asItWas) {
        NodeStatus state = after.get(ref);
        if (state == null && before.containsKey(ref)) {
            state = NodeStatus.NONE;
        }
        if (put != null) { // decoded if an observer looks: most of a watch's work otherwise, for no one
            NodeStatus known = state;
            io.etcd.jetcd.ByteSequence value = put.getValue();
            return Optional.of(Event.deferredNodeStatus(ref.runId(), Deferred.of(() -> {
                Node node = codec.node(value);
                return NodeView.of(node, known == null ? node.status() : known);
            })));
        }
        if (asItWas == null) {
            return Optional.empty();
        }
        return Optional.of(NodeEvents.status(ref.runId(), asItWas, state == null ? asItWas.status() : state));
    }

    /**
     * The facts of a node whose ready key (at {@code readyRevision}) the watch saw put with its value ({@code node}),
     * decoded when asked; null then when the value is not one this codec reads (the claim reads it instead).
     */
    java.util.function.Supplier<NodeFacts> readyFacts(Keys.NodeRef ref, KeyValue node, long readyRevision) {
        io.etcd.jetcd.ByteSequence value = node.getValue();
        long revision = node.getModRevision();
        return () -> {
            try {
                return new NodeFacts(ref.runId(), codec.node(value).withStatus(NodeStatus.READY), revision,
                        Map.of(NodeStatus.READY, readyRevision), 0);
            } catch (IllegalStateException e) { // undecodable: the claim's read meets it as any read does
                return null;
            }
        };
    }

    private Optional<Event> event(EventType type, Keys.NodeRef ref, long revision) {
        return shapes.visibleAt(ref.runId(), revision - 1)
                .filter(shape -> shape.topology().contains(ref.name()))
                .map(shape -> new Event(type, ref.runId(), shape.topology().spec(ref.name())));
    }
}
