package io.adagio.repository;

/** The store could not be reached or did not answer in time, or contention outlasted the retries. Retryable. */
public final class BackendUnavailableException extends RepositoryException {
    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
