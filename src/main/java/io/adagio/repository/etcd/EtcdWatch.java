package io.adagio.repository.etcd;

import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.repository.Cursor;
import io.adagio.repository.EventFanout;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one supervised watch of a replica, feeding the shared {@link EventFanout}.
 *
 * <p>A single etcd watch over the key range from {@code runs/} to the end of {@code states/} (run keys and
 * state keys, never node or agent keys), with previous values and "require leader". Its responses are handed
 * from jetcd's threads to one processing thread, which never blocks them. Each revision becomes events
 * ({@link WatchTranslator}) published under {@code Cursor(revision, index)}. The hand-off is bounded: when more
 * than {@code maxPending} responses wait for the processing thread, the watch is paused — closed, what waits is
 * dropped, and it is opened again from the last processed revision + 1 once the thread is free — so a burst
 * costs etcd a replay, never this replica unbounded memory. When the watch fails or ends (etcd
 * restart, leader loss, anything), it is opened again from the last processed revision + 1 after a backoff
 * (100 ms doubling to 5 s), so nothing is lost and nothing spins. When that revision was compacted away,
 * events were lost: the fan-out's history restarts at the current revision and every subscriber gets a reset
 * snapshot.
 *
 * <p><b>Orphans.</b> The watch keeps an {@link OrphanIndex} (orphans as of the processed revision), seeded by one
 * scan when it starts or resynchronises, so a current set costs the orphans, not the store. Periodically the
 * processing thread compares etcd's counts with it and, when they disagree, scans and announces those not
 * announced yet (a safety net); such events have indexes from {@value #SWEEP_INDEX} and are local to this replica.
 */
final class EtcdWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EtcdWatch.class);
    static final int SWEEP_INDEX = 1 << 30;
    private static final long INITIAL_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;
    /** Watch responses that may wait for the processing thread before the watch is paused. */
    static final int MAX_PENDING = 1_000;

    private final Watch watch;
    private final Keys keys;
    private final KeyRanges ranges;
    private final WatchTranslator translator;
    private final ClaimableNodes claimable;
    private final EventFanout fanout;
    private final ScheduledExecutorService processor;

    /** The last revision whose events are published; -1 until the watch started. */
    private volatile long processed = -1;
    private final int maxPending;
    /** Responses handed off and not processed yet; {@link #mostPending} the most there ever were. */
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger mostPending = new java.util.concurrent.atomic.AtomicInteger();
    /** Set while a pause is asked for and not done yet (the generation it pauses). */
    private final java.util.concurrent.atomic.AtomicInteger pausing = new java.util.concurrent.atomic.AtomicInteger(-1);

    // processing thread only
    private Watch.Watcher watcher;
    private int generation;
    private long backoffMs = INITIAL_BACKOFF_MS;
    private volatile boolean closed;
    /** The orphans as of {@link #processed}, kept from the watch (seeded by a scan when it starts over). */
    private final OrphanIndex orphans;
    /** The nodes believed READY, kept from the ready state keys the watch sees put and deleted. */
    private final ReadyHints hints;

    EtcdWatch(Watch watch, Keys keys, KeyRanges ranges, WatchTranslator translator, ClaimableNodes claimable,
              EventFanout fanout, Duration sweepInterval, OrphanIndex orphans, ReadyHints hints) {
        this(watch, keys, ranges, translator, claimable, fanout, sweepInterval, orphans, hints, MAX_PENDING);
    }

    EtcdWatch(Watch watch, Keys keys, KeyRanges ranges, WatchTranslator translator, ClaimableNodes claimable,
              EventFanout fanout, Duration sweepInterval, OrphanIndex orphans, ReadyHints hints, int maxPending) {
        this.maxPending = maxPending;
        this.orphans = orphans;
        this.hints = hints;
        this.watch = watch;
        this.keys = keys;
        this.ranges = ranges;
        this.translator = translator;
        this.claimable = claimable;
        this.fanout = fanout;
        this.processor = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "adagio-etcd-watch"));
        long sweepMs = Math.max(100, sweepInterval.toMillis());
        processor.execute(() -> startAtNow(false));
        processor.scheduleWithFixedDelay(this::sweep, sweepMs, sweepMs, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    // ---- the watch ----------------------------------------------------------------------------------------

    /**
     * Starts watching from the current revision, the fan-out's history restarting there; with
     * {@code eventsLost} every subscriber gets a reset snapshot. Tried again later while etcd cannot be read.
     */
    private void startAtNow(boolean eventsLost) {
        if (closed) {
            return;
        }
        try {
            long now = ranges.currentRevision(keys.root());
            orphans.seed(now, claimable.orphans(now)); // the one scan: the watch keeps the index from here
            processed = now;
            fanout.restart(Cursor.endOf(now), eventsLost);
            open();
        } catch (RuntimeException e) {
            log.warn("event watch cannot {} yet: {}", eventsLost ? "resynchronise" : "start", e.getMessage());
            later(() -> startAtNow(eventsLost));
        }
    }

    private void open() {
        if (closed) {
            return;
        }
        int gen = ++generation;
        long from = processed + 1;
        WatchOption options = WatchOption.builder().withRange(keys.watchedEnd()).withRevision(from)
                .withRequireLeader(true).build();
        try {
            watcher = watch.watch(keys.watchedFrom(), options, Watch.listener(
                    response -> handOff(gen, response),
                    error -> submit(() -> onFailure(gen, error)),
                    () -> submit(() -> onFailure(gen, new IllegalStateException("the watch ended")))));
        } catch (RuntimeException e) {
            onFailure(gen, e);
        }
    }

    /** On jetcd's thread: queues the response, or pauses the watch when too many wait already. */
    private void handOff(int gen, WatchResponse response) {
        int waiting = pending.incrementAndGet();
        mostPending.accumulateAndGet(waiting, Math::max);
        if (waiting > maxPending) {
            pending.decrementAndGet();
            if (pausing.compareAndSet(-1, gen)) {
                submit(() -> pause(gen));
            }
            return; // dropped: the watch opens again from the last processed revision
        }
        submit(() -> {
            pending.decrementAndGet();
            onResponse(gen, response);
        });
    }

    /** Closes a watch whose responses came faster than they were processed, and opens it again after them. */
    private void pause(int gen) {
        pausing.set(-1);
        if (gen != generation || closed) {
            return;
        }
        generation++;
        closeWatcher();
        log.warn("event processing fell behind the watch ({} responses waiting); pausing it, to resume from revision {}",
                maxPending, processed + 1);
        submit(this::open); // after what is queued (all of it now of an old generation, so skipped)
    }

    /** The most watch responses that ever waited for the processing thread at once. */
    int mostPending() {
        return mostPending.get();
    }

    /** Test hook: runs the sweep now on the processing thread and waits for it. */
    void sweepNow() throws Exception {
        processor.submit(this::sweep).get(30, TimeUnit.SECONDS);
    }

    /** Test hook: runs {@code task} on the processing thread (e.g. to hold it up). */
    void onProcessingThread(Runnable task) {
        submit(task);
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
                if (revision > processed) {
                    append(revision, translator.translate(revision, rev.getValue()), 0, keyed(rev.getValue()));
                }
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
        if (EtcdFailures.isCompacted(error)) {
            log.warn("event watch fell behind a compaction; subscribers get a reset snapshot");
            later(() -> startAtNow(true));
        } else {
            log.info("event watch failed ({}); reopening", error.toString());
            later(this::open);
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

    /**
     * The nodes given a state key by one revision's changes; on the way, a ready key put or deleted adds its node
     * to the hints or removes it — put with the node's value in the same revision, with the facts they make
     * ({@link ReadyHints#seen}), so that its claim needs no read.
     */
    private Set<Keys.NodeRef> keyed(List<WatchEvent> changes) {
        Set<Keys.NodeRef> out = new HashSet<>();
        Map<Keys.NodeRef, KeyValue> readied = new java.util.LinkedHashMap<>();
        for (WatchEvent c : changes) {
            boolean put = c.getEventType() == WatchEvent.EventType.PUT;
            keys.parseState(Keys.text(c.getKeyValue().getKey())).ifPresent(k -> {
                if (put) {
                    out.add(k.node());
                }
                if (k.status() == io.adagio.model.NodeStatus.READY) {
                    if (put) {
                        readied.put(k.node(), c.getKeyValue());
                    } else {
                        hints.remove(k.node());
                    }
                }
            });
        }
        if (!readied.isEmpty()) {
            Map<Keys.NodeRef, KeyValue> values = new HashMap<>();
            for (WatchEvent c : changes) {
                if (c.getEventType() == WatchEvent.EventType.PUT) {
                    keys.parseNode(Keys.text(c.getKeyValue().getKey()))
                            .filter(readied::containsKey).ifPresent(ref -> values.put(ref, c.getKeyValue()));
                }
            }
            readied.forEach((ref, ready) -> {
                KeyValue value = values.get(ref);
                if (value != null) {
                    hints.seen(ref, translator.readyFacts(ref, value, ready.getModRevision()),
                            value.getKey().size() + value.getValue().size());
                } else {
                    hints.add(ref); // its value was not written with it (a root released after its run)
                }
            });
        }
        return out;
    }

    /**
     * Publishes the events of one revision (indexes from {@code firstIndex}) and applies them, with the nodes it
     * gave a state key, to the orphan index. On the processing thread.
     */
    private void append(long revision, List<Event> events, int firstIndex, Set<Keys.NodeRef> keyed) {
        fanout.publish(revision, firstIndex, events);
        processed = Math.max(processed, revision);
        Set<Keys.NodeRef> orphaned = new HashSet<>();
        for (Event e : events) {
            if (e.type() == EventType.NODE_ORPHANED) {
                orphaned.add(new Keys.NodeRef(e.runId(), e.nodeSpec().name()));
            }
        }
        orphans.apply(revision, keyed, orphaned);
    }

    /**
     * A safety net: when etcd's counts of node keys and state keys say there are more (or fewer) orphans than the
     * index holds, scans, announces the orphans not announced yet, and seeds the index again. Counts cost no
     * transfer of keys, so with every orphan known the sweep reads none.
     */
    private void sweep() {
        long at = processed;
        if (closed || at <= 0) {
            return;
        }
        try {
            if (claimable.orphanCount(at) == orphans.size()) {
                return;
            }
            Set<Keys.NodeRef> scanned = claimable.orphans(at);
            Set<Keys.NodeRef> known = orphans.now().map(OrphanIndex.At::orphans).orElse(Set.of());
            List<Event> missed = new ArrayList<>();
            for (Keys.NodeRef ref : scanned) {
                if (!known.contains(ref)) {
                    claimable.offer(ref, io.adagio.model.NodeStatus.NONE, at).ifPresent(missed::add);
                }
            }
            orphans.seed(at, scanned);
            if (!missed.isEmpty()) {
                log.info("sweep found {} orphaned node(s) not announced yet", missed.size());
                append(at, missed, SWEEP_INDEX, Set.of());
            }
        } catch (RuntimeException e) {
            log.debug("orphan sweep failed: {}", e.getMessage());
        }
    }

    /** Stops the watch. */
    @Override
    public void close() {
        closed = true;
        try {
            processor.submit(() -> {
                generation++;
                closeWatcher();
            }).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("closing the watch", e);
        }
        processor.shutdownNow();
    }
}
