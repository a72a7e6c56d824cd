package io.adagio.repository.etcd;

import io.adagio.model.Event;
import io.adagio.repository.BackendUnavailableException;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Replays events older than this replica's in-memory history from etcd's own history: a temporary watch from
 * the cursor's revision, translated exactly as the live watch does ({@link WatchTranslator}, deterministic), up
 * to a given cursor. It knows it has seen everything up to that cursor when it sees a change after it: it
 * writes and deletes the {@code sentinel} key (inside the watched range, outside every documented prefix, so
 * every translator ignores it) once the watch is open. (etcd 3.4's progress notifications do not promise that
 * earlier events were sent, so they cannot serve.) The jetcd callbacks only collect; translation happens on
 * the caller's thread. Used when a subscriber resumes with a cursor another replica gave out, or one older than this
 * replica's start.
 */
final class HistoryReplay {
    /** The most one replay holds of etcd's history (keys and values) before it gives up: the subscriber resets. */
    static final long MAX_BYTES = 32L << 20;

    private final Watch watch;
    private final Keys keys;
    private final WatchTranslator translator;
    private final KV kv;
    private final EtcdCalls calls;
    private final long maxBytes;

    HistoryReplay(Watch watch, KV kv, Keys keys, WatchTranslator translator, EtcdCalls calls) {
        this(watch, kv, keys, translator, calls, MAX_BYTES);
    }

    /** @param maxBytes the most one replay holds (keys and values) before the subscriber is reset instead */
    HistoryReplay(Watch watch, KV kv, Keys keys, WatchTranslator translator, EtcdCalls calls, long maxBytes) {
        this.maxBytes = maxBytes;
        this.watch = watch;
        this.kv = kv;
        this.keys = keys;
        this.translator = translator;
        this.calls = calls;
    }

    /**
     * The events after {@code after} up to and including {@code upTo}, in order; empty when etcd compacted
     * that history away, or when there is more of it than {@code maxBytes} (32 MiB): the subscriber then gets a
     * reset snapshot, as one that fell behind, instead of the replica holding all of it.
     *
     * @throws BackendUnavailableException when etcd does not answer in time
     */
    Optional<List<CursoredEvent>> between(Cursor after, Cursor upTo) {
        long from = after.index() == Integer.MAX_VALUE ? after.revision() + 1 : after.revision();
        if (from > upTo.revision()) {
            return Optional.of(List.of());
        }
        List<WatchEvent> raw = new ArrayList<>();
        long[] held = {0};
        CompletableFuture<Void> done = new CompletableFuture<>();
        WatchOption options = WatchOption.builder().withRange(keys.watchedEnd()).withRevision(from)
                .withRequireLeader(true).build();
        Watch.Watcher watcher = watch.watch(keys.watchedFrom(), options, Watch.listener(response -> {
            synchronized (raw) {
                if (done.isDone()) {
                    return;
                }
                for (WatchEvent e : response.getEvents()) {
                    if (e.getKeyValue().getModRevision() > upTo.revision()) {
                        done.complete(null);
                        return;
                    }
                    raw.add(e);
                    held[0] += e.getKeyValue().getKey().size() + e.getKeyValue().getValue().size() + 64;
                    if (held[0] > maxBytes) {
                        raw.clear(); // let it go now: the subscriber gets a reset snapshot instead
                        done.completeExceptionally(new TooMuchHistory());
                        return;
                    }
                }
            }
        }, done::completeExceptionally, () -> done.completeExceptionally(new IllegalStateException("watch ended"))));
        try {
            ByteSequence sentinel = Keys.bytes(keys.sentinel());
            calls.await(kv.put(sentinel, ByteSequence.EMPTY), "marking the end of a replay");
            calls.await(kv.delete(sentinel), "marking the end of a replay");
            done.get(calls.timeout().toMillis() * 4, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TooMuchHistory || EtcdFailures.isCompacted(e)) {
                return Optional.empty();
            }
            throw new BackendUnavailableException("replaying events from etcd failed: " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new BackendUnavailableException("replaying events from etcd timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendUnavailableException("interrupted replaying events", e);
        } finally {
            watcher.close();
        }
        Map<Long, List<WatchEvent>> byRevision = new TreeMap<>();
        synchronized (raw) {
            for (WatchEvent e : raw) {
                byRevision.computeIfAbsent(e.getKeyValue().getModRevision(), r -> new ArrayList<>()).add(e);
            }
        }
        List<CursoredEvent> out = new ArrayList<>();
        for (Map.Entry<Long, List<WatchEvent>> rev : byRevision.entrySet()) {
            List<Event> events = translator.translate(rev.getKey(), rev.getValue());
            for (int i = 0; i < events.size(); i++) {
                Cursor c = new Cursor(rev.getKey(), i);
                if (c.isAfter(after) && !c.isAfter(upTo)) {
                    out.add(new CursoredEvent(c, events.get(i)));
                }
            }
        }
        return Optional.of(out);
    }

    /** More history than a subscriber should be replayed: it gets a reset snapshot instead. */
    private static final class TooMuchHistory extends RuntimeException {
        TooMuchHistory() {
            super("too much history to replay", null, false, false);
        }
    }
}
