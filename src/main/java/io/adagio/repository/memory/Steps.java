package io.adagio.repository.memory;

import io.adagio.engine.NodeEvents;
import io.adagio.model.Event;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.repository.EventFanout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory backend's revisions: each step (a start, a claim, a finish, an ended lease) takes one and
 * publishes the events its changes caused, each changed node's change from its state before the step to its
 * state after it ({@link NodeEvents}), as etcd's watch sees a transaction: first those to agents, then a
 * NODE_STATUS for every node created or changed, in the order of their first change. Not thread-safe: guarded by the
 * repository's lock.
 */
final class Steps {
    /** Steps touching more nodes than this get a fresh map after them: clearing a big one costs its capacity. */
    private static final int SMALL = 64;

    private Map<NodeRef, Changed> changed = new LinkedHashMap<>();
    private final List<Event> started = new ArrayList<>();
    /** The NODE_STATUS events of the nodes of runs being started (after every event to agents). */
    private final List<Event> createdStatus = new ArrayList<>();
    /** Events of this step that no change of state says (a cancel's word to a node's holder). */
    private final List<Event> signals = new ArrayList<>();
    private long revision;

    /** The last revision taken. */
    long revision() {
        return revision;
    }

    /** A node of a run being started is in its first state (the step's events begin with these). */
    void created(String runId, Node node) {
        NodeEvents.of(runId, node.spec(), null, node.status()).ifPresent(started::add);
        createdStatus.add(NodeEvents.status(runId, node, node.status()));
    }

    /** A node changes in this step; only its state before the first change counts. */
    void changing(StoredRun run, String name, NodeStatus before) {
        changed.putIfAbsent(new NodeRef(run.id, name), new Changed(run, before));
    }

    /** An event this step sends beside the ones its changes of state cause (after them). */
    void signal(Event e) {
        signals.add(e);
    }

    /** Ends the step: takes a new revision and publishes the step's events under it to {@code events}. */
    void commit(EventFanout events) {
        revision++;
        List<Event> out = new ArrayList<>(started);
        for (Map.Entry<NodeRef, Changed> c : changed.entrySet()) {
            Node now = c.getValue().run().nodes[c.getValue().run().index(c.getKey().name())];
            NodeEvents.of(c.getKey().runId(), now.spec(), c.getValue().before(), now.status()).ifPresent(out::add);
        }
        out.addAll(signals);
        out.addAll(createdStatus);
        for (Map.Entry<NodeRef, Changed> c : changed.entrySet()) {
            Node now = c.getValue().run().nodes[c.getValue().run().index(c.getKey().name())];
            out.add(NodeEvents.status(c.getKey().runId(), now, now.status()));
        }
        started.clear();
        signals.clear();
        createdStatus.clear();
        if (changed.size() > SMALL) {
            changed = new LinkedHashMap<>();
        } else {
            changed.clear();
        }
        events.publish(revision, 0, out);
    }

    private record Changed(StoredRun run, NodeStatus before) {
    }
}
