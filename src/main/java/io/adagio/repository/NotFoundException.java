package io.adagio.repository;

/** The run, node or agent named does not exist. */
public final class NotFoundException extends RepositoryException {
    private final String kind;
    private final String id;

    public NotFoundException(String kind, String id) {
        super("No " + kind + " " + id + ".");
        this.kind = kind;
        this.id = id;
    }

    /** {@code run}, {@code node} or {@code agent}. */
    public String kind() {
        return kind;
    }

    public String id() {
        return id;
    }
}
