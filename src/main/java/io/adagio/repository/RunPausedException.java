package io.adagio.repository;

/** A claim of a node of a paused run; nothing changes. Resume the run to go on. */
public final class RunPausedException extends RepositoryException {
    private final String runId;

    public RunPausedException(String runId) {
        super("run " + runId + " is paused");
        this.runId = runId;
    }

    public String runId() {
        return runId;
    }
}
