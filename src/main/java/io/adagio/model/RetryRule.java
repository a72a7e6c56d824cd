package io.adagio.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How often a node may end with one conclusion before the failure is final, and how long it waits before each
 * retry.
 *
 * @param maxAttempts the most attempts with that conclusion, at least 1
 * @param backoff     how long a retry waits before it is READY; null: it is READY at once (as in the original)
 */
public record RetryRule(@JsonProperty("max_attempts") Integer maxAttempts,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Backoff backoff) {

    /** A rule whose retries are READY at once. */
    public RetryRule(Integer maxAttempts) {
        this(maxAttempts, null);
    }

    /**
     * An exponential backoff with a cap and jitter: the n-th retry waits {@code min(max, initial × multiplier^(n-1))},
     * spread by up to ± {@code jitter} of itself. Durations as strings ({@code "1s"}, {@code "1.5s"}, {@code "1m"}).
     *
     * @param initial    the wait before the first retry
     * @param multiplier how much each wait grows (at least 1; default 2)
     * @param max        the longest wait (default: no cap)
     * @param jitter     the spread, between 0 and 1 (default 0)
     */
    public record Backoff(String initial, Double multiplier,
                          @JsonInclude(JsonInclude.Include.NON_NULL) String max,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Double jitter) {
    }
}
