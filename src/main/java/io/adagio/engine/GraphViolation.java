package io.adagio.engine;

/** The ways a submitted graph can be wrong; each has a stable slug used in the problem {@code type} URI. */
public enum GraphViolation {
    EMPTY_GRAPH("empty-graph", "The graph has no nodes."),
    TOO_MANY_NODES("too-many-nodes", "The graph has more nodes than this server accepts."),
    MISSING_NAME("missing-name", "A node has no name."),
    MISSING_RUNTIME("missing-runtime", "A node has no runtime."),
    INVALID_NAME("invalid-name", "A node name is empty, too long, or contains '/', control or bidi-override characters."),
    DUPLICATE_NODE("duplicate-node", "Two or more nodes share a name."),
    INVALID_RETRY("invalid-retry", "A retry rule names an unknown condition, allows fewer than one attempt, or has an invalid backoff."),
    INVALID_TRIGGER("invalid-trigger", "A node's trigger is neither all_success nor all_done."),
    INVALID_TIMEOUT("invalid-timeout", "A node's timeout is not a positive duration of at most 30 days."),
    UNKNOWN_NODE("unknown-node", "An edge names a node that is not in the graph."),
    DUPLICATE_EDGE("duplicate-edge", "The same edge is given more than once."),
    CYCLE("cycle", "The graph contains a cycle; it must be a DAG.");

    private final String slug;
    private final String title;

    GraphViolation(String slug, String title) {
        this.slug = slug;
        this.title = title;
    }

    /** The stable last segment of the problem type URI. */
    public String slug() {
        return slug;
    }

    /** A short human title. */
    public String title() {
        return title;
    }
}
