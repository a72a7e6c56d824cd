package io.adagio.repository;

/** The root of every failure a {@link Repository} reports. Unchecked; free of web concerns. */
public abstract class RepositoryException extends RuntimeException {
    protected RepositoryException(String message) {
        super(message);
    }

    protected RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether trying the same call again later may succeed (the store was unavailable or contended). */
    public boolean retryable() {
        return false;
    }
}
