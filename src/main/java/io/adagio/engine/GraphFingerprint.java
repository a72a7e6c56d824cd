package io.adagio.engine;

import io.adagio.model.Edge;
import io.adagio.model.GraphSpec;
import io.adagio.model.MetadataValues;
import io.adagio.model.NodeSpec;
import io.adagio.model.RetryRule;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * What makes two starts "the same graph" for an idempotency key: the SHA-256 of the graph's nodes (name, runtime,
 * metadata by key, retry rules by condition) and edges, in the order given. Maps are taken sorted by key, so the
 * order a client's JSON happened to list them in does not matter; lists (nodes, edges, metadata values) keep theirs.
 */
public final class GraphFingerprint {
    private GraphFingerprint() {
    }

    /** Lowercase hex SHA-256 of the graph. */
    public static String of(GraphSpec graph) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
        for (NodeSpec n : graph.nodes()) {
            field(sha, "node");
            field(sha, n.name());
            field(sha, n.runtime());
            if (n.runsWhateverHappened()) { // all_success and none are the same rule
                field(sha, "trigger");
                field(sha, NodeSpec.ALL_DONE);
            }
            for (Map.Entry<String, MetadataValues> m : new TreeMap<>(n.metadata()).entrySet()) {
                field(sha, "meta");
                field(sha, m.getKey());
                for (String v : m.getValue() == null ? java.util.List.<String>of() : m.getValue().values()) {
                    field(sha, v);
                }
            }
            for (Map.Entry<String, RetryRule> r : new TreeMap<>(n.retry()).entrySet()) {
                field(sha, "retry");
                field(sha, r.getKey());
                field(sha, r.getValue() == null ? null : String.valueOf(r.getValue().maxAttempts()));
                RetryRule.Backoff b = r.getValue() == null ? null : r.getValue().backoff();
                if (b != null) {
                    field(sha, "backoff");
                    field(sha, b.initial());
                    field(sha, String.valueOf(b.multiplier()));
                    field(sha, b.max());
                    field(sha, String.valueOf(b.jitter()));
                }
            }
            if (n.timeout() != null) {
                field(sha, "timeout");
                field(sha, n.timeout());
            }
        }
        for (Edge e : graph.edges()) {
            field(sha, "edge");
            field(sha, e.source());
            field(sha, e.destination());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** A length-prefixed field, so no two different graphs give the same bytes. */
    private static void field(MessageDigest sha, String value) {
        if (value == null) {
            sha.update((byte) 0xff);
            return;
        }
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        sha.update(new byte[]{(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length});
        sha.update(b);
    }
}
