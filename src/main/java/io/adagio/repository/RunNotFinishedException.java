package io.adagio.repository;

/** An operation that needs a run to have completed (a delete) asked of one that has not; nothing changes. */
public final class RunNotFinishedException extends RepositoryException {
    private final String runId;

    public RunNotFinishedException(String runId) {
        super("run " + runId + " has not completed");
        this.runId = runId;
    }

    public String runId() {
        return runId;
    }
}
