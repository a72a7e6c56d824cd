package io.adagio.repository;

import io.adagio.model.RunOutcome;

/** An operation on a running run (a cancel) asked of one that has ended otherwise; nothing changes. */
public final class RunEndedException extends RepositoryException {
    private final String runId;
    private final RunOutcome outcome;

    public RunEndedException(String runId, RunOutcome outcome) {
        super("run " + runId + " has ended " + outcome);
        this.runId = runId;
        this.outcome = outcome;
    }

    public String runId() {
        return runId;
    }

    /** How it ended. */
    public RunOutcome outcome() {
        return outcome;
    }
}
