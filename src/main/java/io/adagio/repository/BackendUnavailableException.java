package io.adagio.repository;

/**
 * The store could not be reached or did not answer in time: trying again later may succeed. Whether the request
 * may nevertheless have taken effect is {@link #mayHaveApplied}: every call the service answers retryable is one
 * whose repetition cannot duplicate an effect (reads, and writes that are idempotent or guarded); a write that is
 * neither resolves the doubt itself (see {@link OutcomeUnknownException}).
 */
public final class BackendUnavailableException extends RepositoryException {
    private final boolean mayHaveApplied;

    /** Unavailable; a write may have been applied before its answer was lost. */
    public BackendUnavailableException(String message, Throwable cause) {
        this(message, cause, true);
    }

    private BackendUnavailableException(String message, Throwable cause, boolean mayHaveApplied) {
        super(message, cause);
        this.mayHaveApplied = mayHaveApplied;
    }

    /** Unavailable, and the request certainly took no effect (refused before the store acted on it). */
    public static BackendUnavailableException notApplied(String message, Throwable cause) {
        return new BackendUnavailableException(message, cause, false);
    }

    /** Whether a write may have taken effect although it failed. */
    public boolean mayHaveApplied() {
        return mayHaveApplied;
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
