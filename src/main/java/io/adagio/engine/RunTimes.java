package io.adagio.engine;

import io.adagio.model.Node;
import io.adagio.model.Run;
import io.adagio.model.RunStatus;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * A run's own timers, decided from the run as read (its deadline and time to live are stored with it, so any
 * replica decides the same, once). Pure.
 * <ul>
 *   <li>{@link Kind#DEADLINE}: due at its creation plus its {@code deadline}; a run not completed then is cancelled
 *       at once;</li>
 *   <li>{@link Kind#TTL}: a completed run is deleted once it has been completed for its {@code ttl}; until it
 *       completes, it is looked at again every {@code ttl}.</li>
 * </ul>
 */
public final class RunTimes {
    private RunTimes() {
    }

    /** What a run's timer is for. */
    public enum Kind {
        DEADLINE, TTL;

        /** When it first comes due for the run (its creation plus the duration), if the run has one. */
        public Optional<Instant> firstDue(Run run) {
            String d = duration(run);
            return d == null ? Optional.empty() : Optional.of(run.createdAt().plus(Durations.parse(d)));
        }

        String duration(Run run) {
            return this == DEADLINE ? run.deadline() : run.ttl();
        }

        /** Its name in keys. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a timer does when it fires. */
    public sealed interface Action {
    }

    /** Cancel the run at once (its deadline passed). */
    public record Cancel() implements Action {
    }

    /** Delete the run (completed for its time to live). */
    public record Delete() implements Action {
    }

    /** Nothing yet: look again at {@code at}. */
    public record Later(Instant at) implements Action {
    }

    /** Nothing, ever again. */
    public record Done() implements Action {
    }

    /** What the run's timer of {@code kind} does at {@code now}. */
    public static Action fire(Kind kind, Run run, Instant now) {
        String d = kind.duration(run);
        if (d == null) {
            return new Done();
        }
        java.time.Duration length = Durations.parse(d);
        boolean completed = run.status() == RunStatus.COMPLETED;
        if (kind == Kind.DEADLINE) {
            Instant due = run.createdAt().plus(length);
            return completed ? new Done() : due.isAfter(now) ? new Later(due) : new Cancel();
        }
        if (!completed) {
            // looked at again at the next multiple of the ttl after its creation: the same for every replica
            long periods = java.time.Duration.between(run.createdAt(), now).toNanos() / Math.max(1, length.toNanos()) + 1;
            return new Later(run.createdAt().plus(length.multipliedBy(periods)));
        }
        Instant finished = finishedAt(run);
        Instant due = (finished == null ? run.createdAt() : finished).plus(length);
        return due.isAfter(now) ? new Later(due) : new Delete();
    }

    /** When the run's last node finished (null when no node says). */
    public static Instant finishedAt(Run run) {
        Instant last = null;
        for (Node n : run.nodes()) {
            if (n.finishedAt() != null && (last == null || n.finishedAt().isAfter(last))) {
                last = n.finishedAt();
            }
        }
        return last;
    }
}
