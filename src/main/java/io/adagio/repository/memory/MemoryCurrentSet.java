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
 * {@link NodeEvents#offer} says) at the current revision. It keeps no history beyond the fan-out's, so a cursor
 * older than that, or from the future, cannot be served.
 */
final class MemoryCurrentSet implements EventSource {
    private final Object lock;
    private final Map<String, StoredRun> runs;
    private final StatusIndex byStatus;
    private final LongSupplier revision;

    /** Reads the repository's state under its {@code lock}; {@code revision} is the last one taken. */
    MemoryCurrentSet(Object lock, Map<String, StoredRun> runs, StatusIndex byStatus, LongSupplier revision) {
        this.lock = lock;
        this.runs = runs;
        this.byStatus = byStatus;
        this.revision = revision;
    }

    @Override
    public Snapshot snapshot(EventFilter filter) {
        synchronized (lock) {
            List<Event> out = new ArrayList<>();
            for (NodeStatus status : List.of(NodeStatus.READY, NodeStatus.NONE)) {
                for (NodeRef ref : byStatus.in(status)) {
                    NodeEvents.offer(ref.runId(), runs.get(ref.runId()).topology.spec(ref.name()), status)
                            .filter(filter::matches).ifPresent(out::add);
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
