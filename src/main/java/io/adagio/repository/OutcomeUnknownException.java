package io.adagio.repository;

/**
 * A write whose outcome is not known: the store did not answer, and the write may still take effect. Repeating
 * it could do it twice (a retried start would start a second run), so it is not {@link #retryable}; the
 * caller finds out by reading what the write would have created ({@link #runId}: the run it started, or not).
 */
public final class OutcomeUnknownException extends RepositoryException {
    private final String runId;

    public OutcomeUnknownException(String runId, String message, Throwable cause) {
        super(message, cause);
        this.runId = runId;
    }

    /** The run the write would have started. */
    public String runId() {
        return runId;
    }
}
