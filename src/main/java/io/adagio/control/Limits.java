package io.adagio.control;

import io.adagio.model.Edge;
import io.adagio.model.GraphSpec;
import io.adagio.model.MetadataValues;
import io.adagio.model.NodeSpec;
import io.adagio.model.Result;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The size limits of what a request may make the store keep, checked before anything is written, the same on
 * every backend: an output, the metadata of a node's spec or of a result, and a whole run. Sizes are counted as
 * the store keeps them, in UTF-8 bytes of text (an output in its bytes): a node's spec is stored twice (in the
 * run and in the node), an edge once.
 *
 * @param maxOutputBytes   {@code adagio.limits.max-output-size}
 * @param maxMetadataBytes {@code adagio.limits.max-metadata-size}: a node's metadata, a result's metadata
 * @param maxRunBytes      {@code adagio.limits.max-run-size}
 */
public record Limits(long maxOutputBytes, long maxMetadataBytes, long maxRunBytes) {
    /**
     * @throws TooLargeException when a node's metadata or the whole run is over its limit
     */
    public void check(GraphSpec graph) {
        List<NodeSpec> nodes = graph.nodes() == null ? List.of() : graph.nodes();
        long run = 0;
        for (int i = 0; i < nodes.size(); i++) {
            NodeSpec n = nodes.get(i);
            if (n == null) {
                continue;
            }
            long metadata = size(n.metadata());
            if (metadata > maxMetadataBytes) {
                throw new TooLargeException("spec.nodes[" + i + "].metadata", maxMetadataBytes, metadata);
            }
            run += 2 * (bytes(n.name()) + bytes(n.runtime()) + metadata + (n.retry() == null ? 0 : n.retry().keySet()
                    .stream().mapToLong(k -> bytes(k) + 8).sum()));
        }
        for (Edge e : graph.edges() == null ? List.<Edge>of() : graph.edges()) {
            if (e != null) {
                run += bytes(e.source()) + bytes(e.destination());
            }
        }
        if (run > maxRunBytes) {
            throw new TooLargeException("spec", maxRunBytes, run);
        }
    }

    /**
     * @throws TooLargeException when the output or the metadata of a result is over its limit
     */
    public void check(Result result) {
        if (result == null) {
            return;
        }
        if (result.output() != null && result.output().length > maxOutputBytes) {
            throw new TooLargeException("result.output", maxOutputBytes, result.output().length);
        }
        long metadata = size(result.metadata());
        if (metadata > maxMetadataBytes) {
            throw new TooLargeException("result.metadata", maxMetadataBytes, metadata);
        }
    }

    /** Metadata's size: the bytes of its keys and values. */
    static long size(Map<String, MetadataValues> metadata) {
        if (metadata == null) {
            return 0;
        }
        long n = 0;
        for (Map.Entry<String, MetadataValues> e : metadata.entrySet()) {
            n += bytes(e.getKey());
            if (e.getValue() != null && e.getValue().values() != null) {
                for (String v : e.getValue().values()) {
                    n += bytes(v);
                }
            }
        }
        return n;
    }

    private static long bytes(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }
}
