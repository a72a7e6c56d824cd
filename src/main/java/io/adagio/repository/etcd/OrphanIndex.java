package io.adagio.repository.etcd;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The orphaned nodes (node keys without any state key) as of the last revision the replica's watch processed,
 * kept from the watch itself: a running key deleted without another state key of the node in the same revision
 * adds its node, any state key put for a node removes it. Seeded by one full scan whenever the watch starts or
 * resynchronises (and again by the sweep when the counts disagree with it), so finding orphans costs the
 * orphans, not the store. Thread-safe: the watch's thread writes, snapshots read.
 */
final class OrphanIndex {
    /** The orphans at a revision. */
    record At(long revision, Set<Keys.NodeRef> orphans) {
    }

    private final Set<Keys.NodeRef> orphans = new LinkedHashSet<>();
    /** The revision the set is at; -1 until seeded. */
    private long revision = -1;

    /** Starts over from a full scan at {@code at}. */
    synchronized void seed(long at, Set<Keys.NodeRef> scanned) {
        orphans.clear();
        orphans.addAll(scanned);
        revision = at;
        notifyAll();
    }

    /**
     * The changes of revision {@code at}, applied at once: nodes that got a state key are no longer orphaned,
     * nodes announced orphaned are.
     */
    synchronized void apply(long at, Set<Keys.NodeRef> keyed, Set<Keys.NodeRef> orphaned) {
        if (revision < 0) {
            return;
        }
        orphans.removeAll(keyed);
        orphans.addAll(orphaned);
        revision = Math.max(revision, at);
        notifyAll();
    }

    /**
     * The orphans once the index has reached {@code at} (waiting at most {@code within} for the watch to get
     * there); empty when it is not seeded or did not get there in time (then only a scan tells).
     */
    synchronized java.util.Optional<At> atLeast(long at, java.time.Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (revision >= 0 && revision < at) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return java.util.Optional.empty();
            }
            java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return now();
    }

    /** The orphans and the revision they are at; empty when not seeded yet (then only a scan tells). */
    synchronized java.util.Optional<At> now() {
        return revision < 0 ? java.util.Optional.empty() : java.util.Optional.of(new At(revision, Set.copyOf(orphans)));
    }

    synchronized int size() {
        return orphans.size();
    }
}
