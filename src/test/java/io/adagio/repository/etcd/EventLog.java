package io.adagio.repository.etcd;

import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventSink;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** An {@link EventSink} for tests that keeps what it is given. */
final class EventLog implements EventSink {
    final List<List<Event>> snapshots = Collections.synchronizedList(new ArrayList<>());
    final List<CursoredEvent> live = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void onSnapshot(Cursor position, List<Event> current, boolean reset) {
        snapshots.add(List.copyOf(current));
    }

    @Override
    public void onEvent(CursoredEvent event) {
        live.add(event);
    }

    /** Whether a live event of that type for that node arrived. */
    boolean saw(EventType type, String runId, String node) {
        synchronized (live) {
            return live.stream().anyMatch(e -> e.event().type() == type && e.event().runId().equals(runId)
                    && e.event().nodeSpec().name().equals(node));
        }
    }

    /** Whether any live event named that run. */
    boolean sawRun(String runId) {
        synchronized (live) {
            return live.stream().anyMatch(e -> e.event().runId().equals(runId));
        }
    }
}
