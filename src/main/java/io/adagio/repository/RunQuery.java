package io.adagio.repository;

import io.adagio.model.Run;
import io.adagio.model.RunOutcome;
import io.adagio.model.RunStatus;

import java.time.Instant;

/**
 * Which runs to list, newest first.
 *
 * @param newest  the newest creation time to include (inclusive)
 * @param oldest  the oldest creation time to include (inclusive)
 * @param limit   the most runs to return
 * @param before  only runs whose id sorts before this one (exclusive; a page token), or null
 * @param status  only runs in this status, or null for any
 * @param outcome only runs with this outcome, or null for any
 */
public record RunQuery(Instant newest, Instant oldest, int limit, String before, RunStatus status, RunOutcome outcome) {
    /**
     * With a filter, the most runs one call looks at before it answers what it found so far (and where to go on):
     * a page of a selective filter costs a bounded amount of work, however many runs do not match.
     */
    public static final int SCAN_BUDGET = 1_000;

    public RunQuery(Instant newest, Instant oldest, int limit) {
        this(newest, oldest, limit, null, null, null);
    }

    /** Every run. */
    public static RunQuery all() {
        return new RunQuery(Instant.ofEpochMilli(Long.MAX_VALUE >> 16), Instant.EPOCH, Integer.MAX_VALUE);
    }

    /** Whether a run created at {@code createdAt} is in range (both bounds inclusive, full precision). */
    public boolean includes(Instant createdAt) {
        return !createdAt.isAfter(newest) && !createdAt.isBefore(oldest);
    }

    /** Whether a run with this id comes after the page token (or there is none). */
    public boolean after(String runId) {
        return before == null || runId.compareTo(before) < 0;
    }

    /** Whether the query filters by status or outcome. */
    public boolean filters() {
        return status != null || outcome != null;
    }

    /** Whether the run passes the status and outcome filters. */
    public boolean matches(Run run) {
        return matches(run.status(), run.outcome());
    }

    /** Whether a run of this status and outcome passes the filters. */
    public boolean matches(RunStatus runStatus, RunOutcome runOutcome) {
        return (status == null || status == runStatus) && (outcome == null || outcome == runOutcome);
    }
}
