package io.adagio.repository.etcd;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How an {@link EtcdRepository} reaches etcd and where its keys live.
 *
 * @param endpoints     client URLs, e.g. {@code http://127.0.0.1:2379}; at least one
 * @param namespace     the top-level key prefix (the original's {@code WithNamespace}), default {@code v0}
 * @param list          the named list under the namespace (the original's {@code ForList}), default {@code default}
 * @param timeout       the deadline of every etcd call, default 5 s
 * @param maxRetries    how often a transaction whose compares failed is re-read and retried, default 16
 * @param sweepInterval how often orphaned nodes missed by the watch are looked for, default 30 s
 * @param historySize   how many events are kept in memory for resuming subscribers, default 100,000
 * @param txnLimits     what one request may carry, as etcd is configured; default etcd's own defaults
 */
public record EtcdOptions(List<String> endpoints, String namespace, String list, Duration timeout, int maxRetries,
                          Duration sweepInterval, int historySize, TxnLimits txnLimits) {
    public EtcdOptions {
        endpoints = List.copyOf(Objects.requireNonNull(endpoints, "endpoints"));
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one etcd endpoint is needed");
        }
        namespace = blank(namespace) ? "v0" : namespace;
        list = blank(list) ? "default" : list;
        if (namespace.contains("/") || list.contains("/")) {
            throw new IllegalArgumentException("namespace and list must not contain '/'");
        }
        timeout = timeout == null || timeout.isZero() || timeout.isNegative() ? Duration.ofSeconds(5) : timeout;
        maxRetries = maxRetries <= 0 ? 16 : maxRetries;
        sweepInterval = sweepInterval == null || sweepInterval.isZero() || sweepInterval.isNegative()
                ? Duration.ofSeconds(30) : sweepInterval;
        historySize = historySize <= 0 ? 100_000 : historySize;
        txnLimits = txnLimits == null ? TxnLimits.DEFAULT : txnLimits;
    }

    /** With etcd's default request limits. */
    public EtcdOptions(List<String> endpoints, String namespace, String list, Duration timeout, int maxRetries,
                       Duration sweepInterval, int historySize) {
        this(endpoints, namespace, list, timeout, maxRetries, sweepInterval, historySize, null);
    }

    /** Defaults for everything but the endpoints. */
    public static EtcdOptions of(List<String> endpoints) {
        return new EtcdOptions(endpoints, null, null, null, 0, null, 0);
    }

    /** These options with another list name. */
    public EtcdOptions withList(String newList) {
        return new EtcdOptions(endpoints, namespace, newList, timeout, maxRetries, sweepInterval, historySize, txnLimits);
    }

    /** These options with another call deadline. */
    public EtcdOptions withTimeout(Duration newTimeout) {
        return new EtcdOptions(endpoints, namespace, list, newTimeout, maxRetries, sweepInterval, historySize, txnLimits);
    }

    /** These options with another orphan sweep interval. */
    public EtcdOptions withSweepInterval(Duration interval) {
        return new EtcdOptions(endpoints, namespace, list, timeout, maxRetries, interval, historySize, txnLimits);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
