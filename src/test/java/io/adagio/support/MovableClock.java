package io.adagio.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** The system clock moved forward by an offset a test can grow, so time can pass without waiting for it. */
public final class MovableClock extends Clock {
    private final AtomicLong offsetNanos = new AtomicLong();

    /** Moves this clock forward. */
    public void advance(Duration d) {
        offsetNanos.addAndGet(d.toNanos());
    }

    @Override
    public Instant instant() {
        return Instant.now().plusNanos(offsetNanos.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a UTC clock");
    }
}
