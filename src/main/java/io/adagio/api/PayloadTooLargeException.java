package io.adagio.api;

import java.io.IOException;

/** A request body grew beyond {@code adagio.limits.max-request-size} while it was read. */
final class PayloadTooLargeException extends IOException {
    private final long limit;

    PayloadTooLargeException(long limit) {
        super("The request body is larger than " + limit + " bytes.");
        this.limit = limit;
    }

    long limit() {
        return limit;
    }
}
