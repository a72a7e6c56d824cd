package io.adagio.control;

/**
 * A stream refused because its token has as many open as {@code adagio.sse.max-streams-per-token} allows; nothing
 * changed. Worth repeating once one of them has closed.
 */
public final class TooManyStreamsException extends RuntimeException {
    private final String token;
    private final int limit;

    public TooManyStreamsException(String token, int limit) {
        super("Token " + token + " has " + limit + " event streams open, as many as adagio.sse.max-streams-per-token "
                + "allows: close one first.");
        this.token = token;
        this.limit = limit;
    }

    /** The name of the token (never the token). */
    public String token() {
        return token;
    }

    /** The most streams it may have open. */
    public int limit() {
        return limit;
    }
}
