package io.adagio.security;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-token rate limit on starting runs ({@code adagio.security.tokens.<name>.starts-per-minute}): a token
 * bucket per token (Bucket4j) that holds a minute's starts and refills smoothly, so a burst of that many passes and
 * then one start per {@code 60 s / n}. Kept by each replica: behind several replicas a token may start up to that
 * many times more.
 */
public final class StartRates {
    private final Map<String, Integer> perMinute;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final TimeMeter time;

    /**
     * @param perMinute token name → starts it may make per minute (tokens not named are not limited)
     * @param clock     the time the buckets refill by
     * @throws IllegalArgumentException for a limit below 1
     */
    public StartRates(Map<String, Integer> perMinute, Clock clock) {
        perMinute.forEach((name, n) -> {
            if (n == null || n < 1) {
                throw new IllegalArgumentException("adagio.security.tokens." + name + ".starts-per-minute must be at least 1");
            }
        });
        this.perMinute = Map.copyOf(perMinute);
        this.time = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                java.time.Instant now = clock.instant();
                return now.getEpochSecond() * 1_000_000_000L + now.getNano();
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }

    /** The starts per minute token {@code name} may make; empty when it is not limited. */
    public Optional<Integer> limitOf(String name) {
        return Optional.ofNullable(perMinute.get(name));
    }

    /**
     * Takes one start from the token's bucket.
     *
     * @return empty when it may start now; else how long until it may
     */
    public Optional<Duration> tryStart(String name) {
        Integer n = perMinute.get(name);
        if (n == null) {
            return Optional.empty();
        }
        Bucket bucket = buckets.computeIfAbsent(name, k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(n).refillGreedy(n, Duration.ofMinutes(1)).build())
                .withCustomTimePrecision(time).build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }

    /** Gives back a start taken by {@link #tryStart} that started nothing (the bucket never holds more than its size). */
    public void refund(String name) {
        Bucket bucket = buckets.get(name);
        if (bucket != null) {
            bucket.addTokens(1);
        }
    }
}
