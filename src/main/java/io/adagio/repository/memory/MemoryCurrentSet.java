package io.adagio.repository.memory;

import io.adagio.engine.NodeEvents;
import io.adagio.model.Event;
import io.adagio.model.NodeStatus;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventFilter;
import io.adagio.repository.EventSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * What the memory backend plugs into the fan-out: its current set (READY and orphaned nodes, offered as
 * {@link NodeEvents#offer} says, and a NODE_CANCELLED to the holder of each RUNNING node its run's cancel reached)
 * at the current revision. It keeps no history beyond the fan-out's, so a cursor
 * older than that, or from the future, cannot be served.
 *
 * @param lock     the repository's lock, under which its state is read
 * @param revision the last revision taken
 * @param holders  the agent holding a RUNNING node
 */
record MemoryCurrentSet(Object lock, Map<String, StoredRun> runs, StatusIndex byStatus, LongSupplier revision,
                        java.util.function.Function<NodeRef, String> holders) implements EventSource {
    @Override
    public Snapshot snapshot(EventFilter filter) {
        synchronized (lock) {
            if (filter.observes()) { // an observer starts from a run it reads (Repository#observeRun), not from here
                return new Snapshot(Cursor.endOf(revision.getAsLong()), List.of());
            }
            List<Event> out = new ArrayList<>();
            for (NodeStatus status : List.of(NodeStatus.READY, NodeStatus.NONE)) {
                for (NodeRef ref : byStatus.in(status)) {
                    NodeEvents.offer(ref.runId(), runs.get(ref.runId()).topology.spec(ref.name()), status)
                            .filter(filter::matches).ifPresent(out::add);
                }
            }
            for (NodeRef ref : byStatus.in(NodeStatus.RUNNING)) {
                StoredRun r = runs.get(ref.runId());
                String holder = holders.apply(ref);
                io.adagio.model.Node n = r.nodes[r.index(ref.name())];
                if (n.cancelled() && holder != null) {
                    Event told = NodeEvents.cancelled(ref.runId(), r.topology.spec(ref.name()), holder, n.claim().id());
                    if (filter.matches(told)) {
                        out.add(told);
                    }
                }
            }
            return new Snapshot(Cursor.endOf(revision.getAsLong()), out);
        }
    }

    @Override
    public Optional<List<CursoredEvent>> between(Cursor after, Cursor upTo) {
        synchronized (lock) {
            boolean servable = after.revision() <= revision.getAsLong() && after.compareTo(upTo) >= 0;
            return servable ? Optional.of(List.of()) : Optional.empty();
        }
    }
}
