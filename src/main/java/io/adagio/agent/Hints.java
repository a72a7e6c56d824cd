package io.adagio.agent;

import io.adagio.model.EventType;
import io.adagio.model.NodeSpec;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The orphaned nodes a pool has been told about (NODE_ORPHANED), one entry per node; a node made READY again
 * since is {@link #forget forgotten}, so it is never finished as orphaned. Shared by the pool's agents, so one
 * hint costs one claim. Taking picks among the oldest few at random, so pools that share hints rarely collide.
 */
final class Hints {
    /** A node that may be claimed, and why. */
    record Hint(EventType type, String runId, NodeSpec spec) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition added = lock.newCondition();
    private final LinkedHashMap<String, Hint> hints = new LinkedHashMap<>();
    private final int spread;

    /** @param spread how many of the oldest hints a take chooses among */
    Hints(int spread) {
        this.spread = Math.max(1, spread);
    }

    void offer(Hint h) {
        lock.lock();
        try {
            String key = key(h.runId(), h.spec().name());
            hints.remove(key);
            hints.put(key, h);
            added.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Drops the hint of a node, if any (it became READY again: no longer orphaned). */
    void forget(String runId, String name) {
        lock.lock();
        try {
            hints.remove(key(runId, name));
        } finally {
            lock.unlock();
        }
    }

    private static String key(String runId, String name) {
        return runId + "\u0000" + name;
    }

    /** Forgets every hint (the stream was reset; the current set follows). */
    void clear() {
        lock.lock();
        try {
            hints.clear();
        } finally {
            lock.unlock();
        }
    }

    /** A hint, or null when none came within {@code waitMs} (0: none now). */
    Hint take(long waitMs) throws InterruptedException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
            while (hints.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                added.awaitNanos(left);
            }
            int pick = ThreadLocalRandom.current().nextInt(Math.min(hints.size(), spread));
            Iterator<Map.Entry<String, Hint>> it = hints.entrySet().iterator();
            for (int i = 0; i < pick; i++) {
                it.next();
            }
            Hint h = it.next().getValue();
            it.remove();
            if (!hints.isEmpty()) {
                added.signal();
            }
            return h;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return hints.size();
        } finally {
            lock.unlock();
        }
    }
}
