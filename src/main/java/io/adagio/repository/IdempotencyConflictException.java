package io.adagio.repository;

/** A start whose idempotency key was used before with another graph; nothing is stored. */
public final class IdempotencyConflictException extends RepositoryException {
    private final String runId;

    public IdempotencyConflictException(String runId) {
        super("the idempotency key started run " + runId + " with another graph");
        this.runId = runId;
    }

    /** The run the key started. */
    public String runId() {
        return runId;
    }
}
