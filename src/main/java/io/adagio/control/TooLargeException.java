package io.adagio.control;

/**
 * A request refused because something it carries is larger than a configured limit (e.g.
 * {@code adagio.limits.max-output-size}); nothing changed. Never worth repeating as it is.
 */
public final class TooLargeException extends RuntimeException {
    private final String field;
    private final long limit;
    private final long size;

    public TooLargeException(String field, long limit, long size) {
        super(field + " is " + size + " bytes, more than the limit of " + limit + " bytes.");
        this.field = field;
        this.limit = limit;
        this.size = size;
    }

    /** What is too large, as the request names it (e.g. {@code result.output}). */
    public String field() {
        return field;
    }

    /** The limit, in bytes. */
    public long limit() {
        return limit;
    }

    /** The size it had, in bytes. */
    public long size() {
        return size;
    }
}
