package io.adagio.repository.etcd;

import io.adagio.model.Event;
import io.adagio.repository.BackendRefusedException;
import io.adagio.repository.BackendUnavailableException;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventFilter;
import io.adagio.repository.EventSource;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the etcd backend plugs into the fan-out: the current set read at the current revision
 * ({@link ClaimableNodes}), and events older than this replica's history replayed from etcd's own
 * ({@link HistoryReplay}) — for a cursor another replica gave out, or one from before this replica started.
 * A cursor from the future or compacted away in etcd cannot be served.
 */
final class EtcdEventSource implements EventSource {
    private final KV kv;
    private final Keys keys;
    private final KeyRanges ranges;
    private final ClaimableNodes claimable;
    private final HistoryReplay replay;
    private final EtcdCalls calls;
    private final OrphanIndex orphans;

    EtcdEventSource(KV kv, Keys keys, KeyRanges ranges, ClaimableNodes claimable, HistoryReplay replay, EtcdCalls calls,
                    OrphanIndex orphans) {
        this.orphans = orphans;
        this.kv = kv;
        this.keys = keys;
        this.ranges = ranges;
        this.claimable = claimable;
        this.replay = replay;
        this.calls = calls;
    }

    /**
     * The current set as of now, so a caller sees its own writes: a mark is made in the watched range (the
     * sentinel key put and deleted, so no key is left), and once the watch has processed it, the set is read at
     * the watch's revision with the orphans from its index — the store is scanned only while the watch lags more
     * than the call timeout, has not started, or the mark cannot be written. The subscriber then gets the history after that revision.
     */
    @Override
    public Snapshot snapshot(EventFilter filter) {
        if (filter.observes()) { // an observer starts from a run it reads (Repository#observeRun), not from here
            return new Snapshot(Cursor.endOf(ranges.currentRevision(keys.root())), List.of());
        }
        Optional<OrphanIndex.At> indexed = Optional.empty();
        try {
            ByteSequence sentinel = Keys.bytes(keys.sentinel());
            calls.await(kv.put(sentinel, ByteSequence.EMPTY), "marking a snapshot");
            long mark = calls.await(kv.delete(sentinel), "marking a snapshot").getHeader().getRevision();
            indexed = orphans.atLeast(mark, calls.timeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendUnavailableException("interrupted waiting for the event watch", e);
        } catch (BackendRefusedException e) {
            // a full store takes no mark: scan
        }
        if (indexed.isPresent()) {
            ClaimableNodes.Claimable c = claimable.at(indexed.get());
            return new Snapshot(Cursor.endOf(c.revision()), c.events().stream().filter(filter::matches).toList());
        }
        long at = ranges.currentRevision(keys.root());
        List<Event> current = claimable.at(at).stream().filter(filter::matches).toList();
        return new Snapshot(Cursor.endOf(at), current);
    }

    @Override
    public Optional<List<CursoredEvent>> between(Cursor after, Cursor upTo) {
        long now = ranges.currentRevision(keys.root());
        if (after.revision() > now || !notCompacted(after, now)) {
            return Optional.empty();
        }
        return after.compareTo(upTo) >= 0 ? Optional.of(List.of()) : replay.between(after, upTo);
    }

    /** Whether etcd still has the history after {@code after} (its revision is not compacted). */
    private boolean notCompacted(Cursor after, long now) {
        long needed = after.index() == Integer.MAX_VALUE ? after.revision() + 1 : after.revision();
        if (needed > now) {
            return true;
        }
        try {
            kv.get(Keys.bytes(keys.root()), GetOption.builder().withCountOnly(true).withRevision(needed).build())
                    .get(calls.timeout().toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            if (EtcdFailures.isCompacted(e)) {
                return false;
            }
            throw new BackendUnavailableException("etcd failed checking a cursor", e);
        } catch (TimeoutException e) {
            throw new BackendUnavailableException("etcd did not answer checking a cursor", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendUnavailableException("interrupted", e);
        }
    }
}
