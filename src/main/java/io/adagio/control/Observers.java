package io.adagio.control;

import io.adagio.engine.RunTally;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.Node;
import io.adagio.model.NodeView;
import io.adagio.model.RunStatus;
import io.adagio.model.RunView;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventFilter;
import io.adagio.repository.EventSink;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.Repository;
import io.adagio.repository.RunObservation;
import io.adagio.repository.Subscription;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Observer streams, for UIs, CLIs and scripts: the NODE_STATUS events the store publishes, and RUN_STATUS events
 * derived from them here (a {@link RunTally} per run followed, seeded from the run read at one point of the event
 * history, {@link Repository#observeRun}, so it counts each change after that point exactly once).
 * <ul>
 *   <li>{@link #followRun}: one run: its state now (a RUN_STATUS, then a NODE_STATUS per node), then each
 *       change, until the RUN_STATUS that says it COMPLETED, after which the stream ends;</li>
 *   <li>{@link #followAll}: every run's changes from now (or after a cursor), with a RUN_STATUS the first time a
 *       run is seen and whenever its status, outcome, pause or node counts change. A run's first RUN_STATUS is its
 *       state when the stream first saw it: on a stream resumed far back, node changes older than it may follow
 *       it (they are not counted again).</li>
 * </ul>
 */
public final class Observers {
    /** How many runs one stream of every run keeps a tally of (least recently changed first out). */
    static final int TALLIES = 10_000;

    /** Where an observer stream's events go (from one thread at a time). */
    public interface Sink {
        /** An event; {@code cursor} is where it is in the event history, null for a RUN_STATUS or a run's state. */
        void event(Cursor cursor, Event event);

        /** Where the stream begins, for a client to resume from (a stream of every run, started without a cursor). */
        void at(Cursor position);

        /** Events were lost (the subscriber fell behind the retained history): what it knew may be stale. */
        void reset(Cursor position);

        /** The stream has nothing more to say: its run completed, or the store closed. */
        void end();
    }

    private final Repository repository;

    public Observers(Repository repository) {
        this.repository = repository;
    }

    /**
     * Follows one run: its state now, then its changes, ending after it completes.
     *
     * @throws NotFoundException when no such run exists
     */
    public Subscription followRun(String runId, Sink sink) {
        RunFollower follower = new RunFollower(runId, sink);
        RunObservation seen = follower.seed();
        if (seen.run().status() == RunStatus.COMPLETED) {
            sink.end();
            return () -> {
            };
        }
        Subscription s = repository.subscribe(EventFilter.observing(runId), seen.position(), follower);
        follower.subscription = s;
        if (follower.ended) {
            s.close();
        }
        return s;
    }

    /** Whether the run has completed (a reconnecting follower of it has nothing more to get). */
    public boolean completed(String runId) {
        return repository.isRunCompleted(runId);
    }

    /** Follows every run, from now ({@code after} null) or after a cursor of an earlier stream. */
    public Subscription followAll(Cursor after, Sink sink) {
        return repository.subscribe(EventFilter.observing(null), after, new AllFollower(sink));
    }

    private static Event runStatus(String runId, RunView view) {
        return Event.runStatus(runId, view);
    }

    private static RunTally tally(RunObservation seen) {
        return new RunTally(seen.run().nodes().stream().map(NodeView::of).toList());
    }

    /** One run's stream: a tally seeded from the run's state, changes after the seed applied to it. */
    private final class RunFollower implements EventSink {
        private final String runId;
        private final Sink sink;
        private RunTally tally;
        private Cursor seededAt;
        volatile Subscription subscription;
        volatile boolean ended;

        RunFollower(String runId, Sink sink) {
            this.runId = runId;
            this.sink = sink;
        }

        /** Reads the run and sends its state: a RUN_STATUS, then each node's NODE_STATUS. */
        RunObservation seed() {
            RunObservation seen = repository.observeRun(runId);
            tally = tally(seen);
            seededAt = seen.position();
            sink.event(null, runStatus(runId, tally.view()));
            List<Node> nodes = seen.run().nodes();
            for (int i = 0; i < nodes.size(); i++) {
                sink.event(i == nodes.size() - 1 ? seen.position() : null, Event.nodeStatus(runId, NodeView.of(nodes.get(i))));
            }
            return seen;
        }

        @Override
        public void onSnapshot(Cursor position, List<Event> current, boolean reset) {
            if (!reset) {
                return; // subscribed from the seed's position: nothing was lost
            }
            sink.reset(position);
            try {
                if (seed().run().status() == RunStatus.COMPLETED) {
                    end();
                }
            } catch (NotFoundException e) {
                end(); // deleted
            } catch (io.adagio.repository.BackendUnavailableException e) {
                end(); // the store cannot be read now: the client reconnects and gets the run's state then
            }
        }

        @Override
        public void onEvent(CursoredEvent e) {
            if (ended || !e.cursor().isAfter(seededAt)) {
                return; // counted in the seed already
            }
            sink.event(e.cursor(), e.event());
            Optional<RunView> changed = tally.apply(e.event().node());
            if (changed.isPresent()) {
                sink.event(null, runStatus(runId, changed.get()));
                if (changed.get().status() == RunStatus.COMPLETED) {
                    end();
                }
            }
        }

        @Override
        public void onClose() {
            end();
        }

        private void end() {
            if (ended) {
                return;
            }
            ended = true;
            Subscription s = subscription;
            if (s != null) {
                s.close();
            }
            sink.end();
        }
    }

    /** The stream of every run: a tally per run seen, seeded the first time it is seen. */
    private final class AllFollower implements EventSink {
        private final Sink sink;
        private final Map<String, Seeded> tallies = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Seeded> eldest) {
                return size() > TALLIES;
            }
        };

        AllFollower(Sink sink) {
            this.sink = sink;
        }

        @Override
        public void onSnapshot(Cursor position, List<Event> current, boolean reset) {
            if (reset) {
                tallies.clear();
                sink.reset(position);
            } else {
                sink.at(position);
            }
        }

        @Override
        public void onEvent(CursoredEvent e) {
            if (e.event().type() != EventType.NODE_STATUS) {
                return;
            }
            String runId = e.event().runId();
            sink.event(e.cursor(), e.event());
            Seeded known = tallies.get(runId);
            if (known == null) {
                RunObservation seen;
                try {
                    seen = repository.observeRun(runId);
                } catch (NotFoundException gone) {
                    return; // deleted since: nothing to tell of it
                } catch (io.adagio.repository.BackendUnavailableException away) {
                    return; // the store cannot be read now: the run is seen (and told) at its next change
                }
                known = new Seeded(tally(seen), seen.position());
                tallies.put(runId, known);
                sink.event(null, runStatus(runId, known.tally().view()));
                return;
            }
            if (!e.cursor().isAfter(known.seededAt())) {
                return; // counted in the seed already
            }
            Optional<RunView> changed = known.tally().apply(e.event().node());
            changed.ifPresent(view -> sink.event(null, runStatus(runId, view)));
        }

        @Override
        public void onClose() {
            sink.end();
        }
    }

    private record Seeded(RunTally tally, Cursor seededAt) {
    }
}
