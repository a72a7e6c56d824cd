package io.adagio.repository;

/**
 * The store refused a request for what it is, so the same request would be refused again: never retryable.
 * Nothing it asked for was applied.
 */
public final class BackendRefusedException extends RepositoryException {
    /** Why the store refused. */
    public enum Reason {
        /** The request (a value, or a transaction) is larger than the store takes. */
        TOO_LARGE,
        /** The store is out of space (etcd's NOSPACE alarm): it takes no writes until it is compacted. */
        NO_SPACE,
        /** Anything else the store calls permanent (a request this service should not have made). */
        OTHER
    }

    private final Reason reason;

    public BackendRefusedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
