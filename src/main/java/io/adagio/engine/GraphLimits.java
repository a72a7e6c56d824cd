package io.adagio.engine;

/**
 * What a server accepts in one run.
 *
 * @param maxNodes the most nodes a graph may have
 */
public record GraphLimits(int maxNodes) {
    /** The defaults: 10,000 nodes. */
    public static final GraphLimits DEFAULT = new GraphLimits(10_000);
}
