package io.adagio.repository;

import io.adagio.model.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one subscriber fan-out of a store, whatever the backend: it owns the bounded {@link EventHistory}, the
 * subscriptions and their delivery. A backend {@link #publish publishes} the events of each change (decided by
 * {@code NodeEvents}) and plugs in an {@link EventSource} for what only it knows: the current set, and events
 * older than this history.
 *
 * <p>Each subscription is drained by its own task on a delivery pool, in cursor order, outside every lock, so
 * a slow subscriber delays only itself. Without a cursor a subscriber first gets the current set, then the
 * events after it. With a cursor it gets exactly the events after it: those older than the history from the
 * source, then the history. A cursor the source cannot serve (forgotten, or from the future) and a subscriber
 * that falls behind the bounded history (the slow-subscriber policy) get a snapshot marked {@code reset},
 * never a silent gap. When the source cannot be read, delivery to that subscriber pauses and tries again.
 * Thread-safe.
 */
public final class EventFanout implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventFanout.class);
    private static final int BATCH = 512;
    private static final long RETRY_MS = 500;

    private final EventSource source;
    private final ExecutorService delivery;
    private final ScheduledExecutorService retries;
    private final Object lock = new Object();
    private final EventHistory history;
    private final Set<Sub> subscriptions = new LinkedHashSet<>();
    /** False until the backend first says where the history starts ({@link #restart}). */
    private boolean started;
    private volatile boolean closed;

    /**
     * @param source          the backend's current set and older history
     * @param historyCapacity how many events are kept for resuming subscribers
     * @param name            names the delivery threads
     */
    public EventFanout(EventSource source, int historyCapacity, String name) {
        this.source = source;
        this.history = new EventHistory(historyCapacity);
        AtomicInteger n = new AtomicInteger();
        this.delivery = Executors.newCachedThreadPool(r -> daemon(r, "adagio-" + name + "-events-" + n.incrementAndGet()));
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "adagio-" + name + "-events-retry"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Starts the history afresh at {@code from}: a subscriber at an older position can no longer resume from
     * it. With {@code resetAll} every subscriber gets a reset snapshot (events were lost). The first call
     * starts delivery.
     */
    public void restart(Cursor from, boolean resetAll) {
        synchronized (lock) {
            history.restartAt(from);
            started = true;
            if (resetAll) {
                for (Sub s : subscriptions) {
                    s.pendingSnapshot = true;
                    s.reset = true;
                }
            }
        }
        wakeAll();
    }

    /**
     * Records the events of one store revision, at indexes from {@code firstIndex}, and wakes the subscribers.
     * Cheap and non-blocking, so a backend may call it under its own lock.
     */
    public void publish(long revision, int firstIndex, List<Event> events) {
        if (events.isEmpty()) {
            return;
        }
        boolean toAgents = false;
        boolean toObservers = false;
        synchronized (lock) {
            for (int i = 0; i < events.size(); i++) {
                Event e = events.get(i);
                history.append(new Cursor(revision, firstIndex + i), e);
                if (e.type().observed()) {
                    toObservers = true;
                } else {
                    toAgents = true;
                }
            }
        }
        wake(toAgents, toObservers);
    }

    /**
     * Wakes the subscribers of the kinds of events just published: a step that changed only what observers see
     * (a claim, a finish that readied nothing) costs the agents' subscribers no wake-up and no thread hand-off.
     */
    private void wake(boolean agents, boolean observers) {
        List<Sub> woken = new ArrayList<>();
        synchronized (lock) {
            for (Sub s : subscriptions) {
                if (s.filter.observes() ? observers : agents) {
                    woken.add(s);
                }
            }
        }
        woken.forEach(this::schedule);
    }

    /** See {@link Repository#subscribe}. */
    public Subscription subscribe(EventFilter filter, Cursor after, EventSink sink) {
        Sub s = new Sub(filter, sink);
        synchronized (lock) {
            if (after == null) {
                s.pendingSnapshot = true;
            } else {
                s.position = after;
                s.resumed = true;
            }
            subscriptions.add(s);
        }
        schedule(s);
        return s;
    }

    private void wakeAll() {
        List<Sub> all;
        synchronized (lock) {
            all = List.copyOf(subscriptions);
        }
        all.forEach(this::schedule);
    }

    private void schedule(Sub s) {
        synchronized (lock) {
            if (s.scheduled || s.closed || closed) {
                return;
            }
            s.scheduled = true;
        }
        try {
            delivery.execute(() -> drain(s));
        } catch (RejectedExecutionException e) {
            log.debug("event delivery stopped", e);
        }
    }

    private enum Step { RESUME, SNAPSHOT, DELIVER }

    /** Delivers what a subscription has not seen yet, until it is up to date. */
    private void drain(Sub s) {
        while (true) {
            Step step;
            Cursor upTo = null;
            List<CursoredEvent> batch = List.of();
            synchronized (lock) {
                if (s.closed || !started) {
                    s.scheduled = false;
                    return;
                }
                if (s.resumed) {
                    step = Step.RESUME;
                    upTo = history.horizon(s.filter);
                } else {
                    if (!s.pendingSnapshot && !history.covers(s.position, s.filter)) {
                        s.pendingSnapshot = true; // fell behind the bounded history: slow-subscriber policy
                        s.reset = true;
                    }
                    if (s.pendingSnapshot) {
                        step = Step.SNAPSHOT;
                    } else {
                        EventHistory.Batch next = history.after(s.position, s.filter, BATCH);
                        s.position = next.position();
                        batch = next.events();
                        if (batch.isEmpty()) {
                            s.scheduled = false;
                            return;
                        }
                        step = Step.DELIVER;
                    }
                }
            }
            try {
                switch (step) {
                    case RESUME -> resume(s, upTo);
                    case SNAPSHOT -> snapshot(s);
                    case DELIVER -> deliver(s, batch);
                }
            } catch (BackendUnavailableException e) {
                log.debug("event delivery waits for the store: {}", e.getMessage());
                retryLater(s);
                return;
            } catch (RuntimeException e) {
                log.warn("event subscriber failed; closing its subscription", e);
                s.close();
                synchronized (lock) {
                    s.scheduled = false;
                }
                return;
            }
        }
    }

    /** A resumed subscriber: the events between its cursor and the history, or a reset when they are gone. */
    private void resume(Sub s, Cursor upTo) {
        Optional<List<CursoredEvent>> missed = source.between(s.position, upTo);
        synchronized (lock) {
            s.resumed = false;
            if (missed.isEmpty()) {
                s.pendingSnapshot = true;
                s.reset = true;
                return;
            }
        }
        List<CursoredEvent> matching = new ArrayList<>();
        for (CursoredEvent e : missed.get()) {
            if (s.filter.matches(e.event())) {
                matching.add(e);
            }
        }
        deliver(s, matching);
        synchronized (lock) {
            if (s.position.compareTo(upTo) < 0) {
                s.position = upTo;
            }
        }
    }

    private void snapshot(Sub s) {
        EventSource.Snapshot snap = source.snapshot(s.filter);
        boolean reset;
        synchronized (lock) {
            reset = s.reset;
            s.position = snap.position();
            s.pendingSnapshot = false;
            s.reset = false;
        }
        if (!s.closed) {
            s.sink.onSnapshot(snap.position(), snap.events(), reset);
        }
    }

    private static void deliver(Sub s, List<CursoredEvent> events) {
        for (CursoredEvent e : events) {
            if (s.closed) {
                return;
            }
            s.sink.onEvent(e);
        }
    }

    private void retryLater(Sub s) {
        synchronized (lock) {
            s.scheduled = false;
        }
        try {
            retries.schedule(() -> schedule(s), RETRY_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("event delivery stopped", e);
        }
    }

    /** Ends every subscription ({@link EventSink#onClose}) and stops delivery. */
    @Override
    public void close() {
        closed = true;
        List<Sub> open;
        synchronized (lock) {
            open = List.copyOf(subscriptions);
        }
        for (Sub s : open) {
            s.close();
            try {
                s.sink.onClose();
            } catch (RuntimeException e) {
                log.debug("subscriber failed on close", e);
            }
        }
        retries.shutdownNow();
        delivery.shutdownNow();
    }

    private final class Sub implements Subscription {
        final EventFilter filter;
        final EventSink sink;
        Cursor position;
        /** Resumed with a cursor not checked yet against the source. */
        boolean resumed;
        boolean pendingSnapshot;
        boolean reset;
        boolean scheduled;
        volatile boolean closed;

        Sub(EventFilter filter, EventSink sink) {
            this.filter = filter;
            this.sink = sink;
        }

        @Override
        public void close() {
            synchronized (lock) {
                closed = true;
                subscriptions.remove(this);
            }
        }
    }
}
