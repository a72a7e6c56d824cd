package io.adagio.repository;

import java.time.Instant;

/**
 * Which runs to list, newest first.
 *
 * @param newest the newest creation time to include (inclusive)
 * @param oldest the oldest creation time to include (inclusive)
 * @param limit  the most runs to return
 */
public record RunQuery(Instant newest, Instant oldest, int limit) {
    /** Every run. */
    public static RunQuery all() {
        return new RunQuery(Instant.ofEpochMilli(Long.MAX_VALUE >> 16), Instant.EPOCH, Integer.MAX_VALUE);
    }

    /** Whether a run created at {@code createdAt} is in range (both bounds inclusive, full precision). */
    public boolean includes(Instant createdAt) {
        return !createdAt.isAfter(newest) && !createdAt.isBefore(oldest);
    }
}
