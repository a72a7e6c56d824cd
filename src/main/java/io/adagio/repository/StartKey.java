package io.adagio.repository;

import java.util.Objects;

/**
 * An idempotency key for a start: the client's {@code Idempotency-Key} and the fingerprint of the graph it came
 * with ({@code GraphFingerprint}). A second start with the same key and the same graph is the same run; with
 * another graph it is a conflict. A key lives as long as its run.
 *
 * @param key         the client's key, as sent
 * @param graphSha256 the graph's fingerprint
 */
public record StartKey(String key, String graphSha256) {
    public StartKey {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(graphSha256, "graphSha256");
    }
}
