package io.adagio.control;

import io.adagio.model.Run;
import io.adagio.model.RunStatus;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.Repository;
import io.adagio.repository.RunNotFinishedException;
import io.adagio.repository.RunPage;
import io.adagio.repository.RunQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Removes finished runs once they have been finished for {@code adagio.retention.finished}. Each sweep looks at
 * one page of completed runs created before the cut-off (a run cannot have finished before it was created) and
 * deletes those whose last node finished before it; the next sweep goes on from where this one stopped, and
 * starts over from the newest once it reached the oldest, so every run is looked at in bounded steps. Any number
 * of replicas may sweep at once: a run deleted by another is skipped.
 */
public final class Retention {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    /** Completed runs one sweep looks at, at most. */
    static final int PER_SWEEP = 100;

    private final Repository repository;
    private final Duration keep;
    private final Clock clock;
    private String resumeBefore;

    public Retention(Repository repository, Duration keep, Clock clock) {
        this.repository = repository;
        this.keep = Objects.requireNonNull(keep, "keep");
        this.clock = clock;
    }

    /** One sweep; answers how many runs it deleted. */
    public synchronized int sweep() {
        Instant cutOff = clock.instant().minus(keep);
        RunPage page = repository.findRuns(new RunQuery(cutOff, Instant.EPOCH, PER_SWEEP, resumeBefore,
                RunStatus.COMPLETED, null));
        int deleted = 0;
        for (Run run : page.runs()) {
            Instant finished = finishedAt(run);
            if (finished != null && finished.isAfter(cutOff)) {
                continue;
            }
            try {
                repository.deleteRun(run.id());
                deleted++;
            } catch (NotFoundException | RunNotFinishedException e) {
                // deleted by another replica meanwhile, or retried since: not this sweep's to remove
            }
        }
        resumeBefore = page.next();
        if (deleted > 0) {
            log.info("retention: deleted {} run(s) finished before {}", deleted, cutOff);
        }
        return deleted;
    }

    /** When the run's last node finished (null when no node says). */
    static Instant finishedAt(Run run) {
        return io.adagio.engine.RunTimes.finishedAt(run);
    }
}
