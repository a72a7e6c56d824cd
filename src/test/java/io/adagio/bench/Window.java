package io.adagio.bench;

import java.util.concurrent.atomic.LongAdder;

/** A raw measurement's window: the calls it counts are those wholly inside it, with their time. */
record Window(long from, long until, LongAdder count, LongAdder busyNanos) {
    Window(long from, long until) {
        this(from, until, new LongAdder(), new LongAdder());
    }

    boolean open() {
        return System.nanoTime() < until;
    }

    /** Counts a call that took from {@code t0} to {@code t1} ({@code System.nanoTime()}) when it lies inside the window. */
    void timed(long t0, long t1) {
        if (t0 >= from && t1 <= until) {
            busyNanos.add(t1 - t0);
            count.increment();
        }
    }
}
