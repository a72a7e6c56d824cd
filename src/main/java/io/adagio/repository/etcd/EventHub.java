package io.adagio.repository.etcd;

import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventFilter;
import io.adagio.repository.EventHistory;
import io.adagio.repository.EventSink;
import io.adagio.repository.Subscription;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one supervised watch of a repository, fanned out in memory.
 *
 * <p><b>Watch.</b> A single etcd watch over the key range from {@code runs/} to the end of {@code states/}
 * (run keys and state keys, never node or agent keys), with previous values and "require leader". Its
 * responses are handed from jetcd's threads to one processing thread, which never blocks them. Each revision
 * becomes events ({@link WatchTranslator}) appended to a bounded in-memory history keyed by
 * {@link Cursor}{@code (revision, index)}. When the watch fails or ends (etcd restart, leader loss, anything),
 * it is opened again from the last processed revision + 1 after a backoff (100 ms doubling to 5 s), so nothing
 * is lost and nothing spins. When that revision was compacted away, events were lost: the history restarts at
 * the current revision and every subscriber gets a reset snapshot.
 *
 * <p><b>Subscribers.</b> Each is drained by its own task on a delivery pool, in cursor order, so a slow one
 * delays only itself. Without a cursor it first gets the claimable nodes at some revision R
 * ({@link ClaimableNodes}), then the events after R. With a cursor it gets exactly the events after it from the
 * history; events older than this replica's history (a cursor from another replica, or from before this one
 * started) are first replayed from etcd's history ({@link HistoryReplay}). A cursor compacted away in etcd, or
 * from the future, gets a reset snapshot.
 *
 * <p><b>Sweep.</b> Periodically the processing thread looks for orphaned nodes at the last processed revision
 * and announces those not announced yet (a safety net for deletes the watch could not deliver); such events
 * have indexes from {@value #SWEEP_INDEX} and are local to this replica.
 */
final class EventHub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventHub.class);
    static final int SWEEP_INDEX = 1 << 30;
    private static final int BATCH = 512;
    private static final long INITIAL_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;

    private final Watch watch;
    private final KV kv;
    private final Keys keys;
    private final KeyRanges ranges;
    private final WatchTranslator translator;
    private final ClaimableNodes claimable;
    private final ScheduledExecutorService processor;
    private final ExecutorService delivery;
    private final HistoryReplay replay;

    private final Object lock = new Object();
    private final EventHistory history;
    private final Set<HubSubscription> subscriptions = new LinkedHashSet<>();
    /** The last revision whose events are in the history; -1 until the watch started. */
    private long processed = -1;

    // processing thread only
    private Watch.Watcher watcher;
    private int generation;
    private long backoffMs = INITIAL_BACKOFF_MS;
    private Set<Keys.NodeRef> announcedOrphans = new HashSet<>();
    private volatile boolean closed;

    EventHub(Watch watch, KV kv, Keys keys, KeyRanges ranges, WatchTranslator translator, ClaimableNodes claimable,
             int historySize, Duration sweepInterval, Duration timeout) {
        this.watch = watch;
        this.kv = kv;
        this.keys = keys;
        this.ranges = ranges;
        this.translator = translator;
        this.claimable = claimable;
        this.history = new EventHistory(historySize);
        AtomicInteger n = new AtomicInteger();
        this.processor = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "adagio-etcd-watch"));
        this.delivery = Executors.newCachedThreadPool(r -> daemon(r, "adagio-etcd-events-" + n.incrementAndGet()));
        this.replay = new HistoryReplay(watch, kv, keys, translator, new EtcdCalls(timeout));
        long sweepMs = Math.max(100, sweepInterval.toMillis());
        processor.execute(this::begin);
        processor.scheduleWithFixedDelay(this::sweep, sweepMs, sweepMs, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The position after the last processed revision, or null before the watch started. */
    Cursor position() {
        synchronized (lock) {
            return processed < 0 ? null : Cursor.endOf(processed);
        }
    }

    // ---- the watch ----------------------------------------------------------------------------------------

    private void begin() {
        if (closed) {
            return;
        }
        try {
            long now = ranges.currentRevision(keys.root());
            synchronized (lock) {
                processed = now;
                history.restartAt(Cursor.endOf(now));
            }
            open();
            wakeAll();
        } catch (RuntimeException e) {
            log.warn("event watch cannot start yet: {}", e.getMessage());
            later(this::begin);
        }
    }

    private void open() {
        if (closed) {
            return;
        }
        int gen = ++generation;
        long from;
        synchronized (lock) {
            from = processed + 1;
        }
        WatchOption options = WatchOption.builder().withRange(Keys.prefixEnd(keys.states())).withRevision(from)
                .withPrevKV(true).withRequireLeader(true).build();
        try {
            watcher = watch.watch(Keys.bytes(keys.runs()), options, Watch.listener(
                    response -> submit(() -> onResponse(gen, response)),
                    error -> submit(() -> onFailure(gen, error)),
                    () -> submit(() -> onFailure(gen, new IllegalStateException("the watch ended")))));
        } catch (RuntimeException e) {
            onFailure(gen, e);
        }
    }

    private void submit(Runnable task) {
        if (!closed) {
            try {
                processor.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                log.debug("event processing stopped", e);
            }
        }
    }

    private void onResponse(int gen, WatchResponse response) {
        if (gen != generation || closed) {
            return;
        }
        try {
            Map<Long, List<WatchEvent>> byRevision = new TreeMap<>();
            for (WatchEvent e : response.getEvents()) {
                byRevision.computeIfAbsent(e.getKeyValue().getModRevision(), r -> new ArrayList<>()).add(e);
            }
            for (Map.Entry<Long, List<WatchEvent>> rev : byRevision.entrySet()) {
                long revision = rev.getKey();
                synchronized (lock) {
                    if (revision <= processed) {
                        continue;
                    }
                }
                append(revision, translator.translate(revision, rev.getValue()), 0);
            }
            backoffMs = INITIAL_BACKOFF_MS;
        } catch (RuntimeException e) {
            onFailure(gen, e);
        }
    }

    private void onFailure(int gen, Throwable error) {
        if (gen != generation || closed) {
            return;
        }
        generation++;
        closeWatcher();
        if (compacted(error)) {
            log.warn("event watch fell behind a compaction; subscribers get a reset snapshot");
            later(this::resync);
        } else {
            log.info("event watch failed ({}); reopening", error.toString());
            later(this::open);
        }
    }

    /** Events were lost: restart the history at the current revision and reset every subscriber. */
    private void resync() {
        if (closed) {
            return;
        }
        try {
            long now = ranges.currentRevision(keys.root());
            synchronized (lock) {
                history.restartAt(Cursor.endOf(now));
                processed = now;
                for (HubSubscription s : subscriptions) {
                    s.pendingSnapshot = true;
                    s.reset = true;
                }
            }
            open();
            wakeAll();
        } catch (RuntimeException e) {
            log.warn("event watch cannot resynchronise yet: {}", e.getMessage());
            later(this::resync);
        }
    }

    private void later(Runnable task) {
        if (closed) {
            return;
        }
        long delay = backoffMs;
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        try {
            processor.schedule(task, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("event processing stopped", e);
        }
    }

    private void closeWatcher() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (RuntimeException e) {
                log.debug("closing the watch failed", e);
            }
            watcher = null;
        }
    }

    static boolean compacted(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CompactedException || String.valueOf(c.getMessage()).contains("compacted")) {
                return true;
            }
        }
        return false;
    }

    /** Records the events of one revision (indexes from {@code firstIndex}) and wakes the subscribers. */
    private void append(long revision, List<Event> events, int firstIndex) {
        synchronized (lock) {
            for (int i = 0; i < events.size(); i++) {
                history.append(new Cursor(revision, firstIndex + i), events.get(i));
            }
            processed = Math.max(processed, revision);
        }
        for (Event e : events) {
            if (e.type() == EventType.NODE_ORPHANED) {
                announcedOrphans.add(new Keys.NodeRef(e.runId(), e.nodeSpec().name()));
            }
        }
        if (!events.isEmpty()) {
            wakeAll();
        }
    }

    /** Announces orphans the watch did not (for instance, deletes lost while it could not reach etcd). */
    private void sweep() {
        long at;
        synchronized (lock) {
            at = processed;
        }
        if (closed || at <= 0) {
            return;
        }
        try {
            Set<Keys.NodeRef> orphans = claimable.orphans(at);
            announcedOrphans.retainAll(orphans);
            List<Event> missed = new ArrayList<>();
            for (Keys.NodeRef ref : orphans) {
                if (!announcedOrphans.contains(ref)) {
                    claimable.event(EventType.NODE_ORPHANED, ref, at).ifPresent(missed::add);
                }
            }
            if (!missed.isEmpty()) {
                log.info("sweep found {} orphaned node(s) not announced yet", missed.size());
                append(at, missed, SWEEP_INDEX);
            }
        } catch (RuntimeException e) {
            log.debug("orphan sweep failed: {}", e.getMessage());
        }
    }

    // ---- subscribers --------------------------------------------------------------------------------------

    Subscription subscribe(EventFilter filter, Cursor after, EventSink sink) {
        HubSubscription s = new HubSubscription(filter, sink);
        synchronized (lock) {
            if (after == null) {
                s.pendingSnapshot = true;
            } else {
                s.position = after;
                s.checkCursor = true;
            }
            subscriptions.add(s);
        }
        schedule(s);
        return s;
    }

    private void wakeAll() {
        List<HubSubscription> all;
        synchronized (lock) {
            all = List.copyOf(subscriptions);
        }
        all.forEach(this::schedule);
    }

    private void schedule(HubSubscription s) {
        synchronized (lock) {
            if (s.scheduled || s.closed) {
                return;
            }
            s.scheduled = true;
        }
        try {
            delivery.execute(() -> drain(s));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("event delivery stopped", e);
        }
    }

    /** Retries a subscriber's drain after a delay (etcd could not be read). */
    private void retry(HubSubscription s) {
        synchronized (lock) {
            s.scheduled = false;
        }
        try {
            processor.schedule(() -> schedule(s), 500, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("event delivery stopped", e);
        }
    }

    /** Delivers what a subscription has not seen yet, until it is up to date. */
    private void drain(HubSubscription s) {
        while (true) {
            boolean check;
            boolean snapshot;
            List<CursoredEvent> batch = new ArrayList<>();
            synchronized (lock) {
                if (s.closed || processed < 0) {
                    s.scheduled = false;
                    return;
                }
                check = s.checkCursor;
                if (!check && !s.pendingSnapshot && !history.covers(s.position)) {
                    s.pendingSnapshot = true;
                    s.reset = true;
                }
                snapshot = !check && s.pendingSnapshot;
                if (!check && !snapshot) {
                    EventHistory.Batch next = history.after(s.position, s.filter, BATCH);
                    s.position = next.position();
                    batch.addAll(next.events());
                    if (batch.isEmpty()) {
                        s.scheduled = false;
                        return;
                    }
                }
            }
            try {
                if (check) {
                    catchUp(s);
                } else if (snapshot) {
                    deliverSnapshot(s);
                } else {
                    for (CursoredEvent e : batch) {
                        if (s.closed) {
                            break;
                        }
                        s.sink.onEvent(e);
                    }
                }
            } catch (io.adagio.repository.BackendUnavailableException e) {
                log.debug("subscriber catch-up waits for etcd: {}", e.getMessage());
                retry(s);
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

    private void deliverSnapshot(HubSubscription s) {
        long at = ranges.currentRevision(keys.root());
        List<Event> current = claimable.at(at).stream().filter(s.filter::matches).toList();
        boolean reset;
        synchronized (lock) {
            reset = s.reset;
            s.position = Cursor.endOf(at);
            s.pendingSnapshot = false;
            s.reset = false;
        }
        if (!s.closed) {
            s.sink.onSnapshot(Cursor.endOf(at), current, reset);
        }
    }

    /**
     * Starts a resumed subscription: delivers the events after its cursor that are older than the in-memory
     * history (replayed from etcd), or marks it for a reset snapshot when its cursor is from the future or
     * compacted away in etcd.
     */
    private void catchUp(HubSubscription s) {
        Cursor after = s.position;
        Cursor upTo;
        synchronized (lock) {
            upTo = history.horizon();
        }
        Optional<List<CursoredEvent>> missed = Optional.empty();
        long now = ranges.currentRevision(keys.root());
        if (after.revision() <= now) {
            missed = notCompacted(after, now) ? (after.compareTo(upTo) >= 0 ? Optional.of(List.of())
                    : replay.between(after, upTo)) : Optional.empty();
        }
        synchronized (lock) {
            s.checkCursor = false;
            if (missed.isEmpty()) {
                s.pendingSnapshot = true;
                s.reset = true;
                return;
            }
        }
        for (CursoredEvent e : missed.get()) {
            if (s.closed) {
                return;
            }
            if (s.filter.matches(e.event())) {
                s.sink.onEvent(e);
            }
        }
        synchronized (lock) {
            if (s.position.compareTo(upTo) < 0) {
                s.position = upTo;
            }
        }
    }

    /** Whether etcd still has the history after {@code after} (its revision is not compacted). */
    private boolean notCompacted(Cursor after, long now) {
        long needed = after.index() == Integer.MAX_VALUE ? after.revision() + 1 : after.revision();
        if (needed > now) {
            return true;
        }
        try {
            kv.get(Keys.bytes(keys.root()), GetOption.builder().withCountOnly(true).withRevision(needed).build())
                    .get(10, TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            if (compacted(e)) {
                return false;
            }
            throw new io.adagio.repository.BackendUnavailableException("etcd failed checking a cursor", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new io.adagio.repository.BackendUnavailableException("etcd did not answer checking a cursor", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.adagio.repository.BackendUnavailableException("interrupted", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        List<HubSubscription> open;
        synchronized (lock) {
            open = List.copyOf(subscriptions);
        }
        for (HubSubscription s : open) {
            s.close();
            try {
                s.sink.onClose();
            } catch (RuntimeException e) {
                log.debug("subscriber failed on close", e);
            }
        }
        try {
            processor.submit(() -> {
                generation++;
                closeWatcher();
            }).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("closing the watch", e);
        }
        processor.shutdownNow();
        delivery.shutdownNow();
    }

    private final class HubSubscription implements Subscription {
        final EventFilter filter;
        final EventSink sink;
        Cursor position;
        boolean pendingSnapshot;
        boolean reset;
        boolean checkCursor;
        boolean scheduled;
        volatile boolean closed;

        HubSubscription(EventFilter filter, EventSink sink) {
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
