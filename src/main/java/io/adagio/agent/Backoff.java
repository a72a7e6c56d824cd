package io.adagio.agent;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential reconnect delays with full jitter, so agents that lost the same server do not return in step. */
final class Backoff {
    private final long minMs;
    private final long maxMs;
    private int failures;

    Backoff(Duration min, Duration max) {
        this.minMs = Math.max(1, min.toMillis());
        this.maxMs = Math.max(minMs, max.toMillis());
    }

    /** The next delay: random in [min, min·2^failures], capped at max. */
    Duration next() {
        long ceiling = Math.min(maxMs, minMs << Math.min(failures++, 16));
        return Duration.ofMillis(minMs + ThreadLocalRandom.current().nextLong(Math.max(1, ceiling - minMs + 1)));
    }

    void reset() {
        failures = 0;
    }
}
