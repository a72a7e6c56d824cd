package io.adagio.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.List;

/**
 * The etcd backend.
 *
 * @param endpoints client URLs of the etcd cluster
 * @param namespace the top-level key prefix (the original's {@code WithNamespace})
 * @param list      the named list under it (the original's {@code ForList}); keys live under namespace/list/
 * @param timeout         the deadline of every etcd call
 * @param maxTxnOps       the etcd cluster's {@code --max-txn-ops} (etcd's default 128): transactions are sized to it
 * @param maxRequestBytes the etcd cluster's {@code --max-request-bytes} (etcd's default 1.5 MiB)
 * @param history         how many events each replica keeps in memory for agents that reconnect with
 *                        Last-Event-ID (older ones are replayed from etcd's history while it has them)
 */
@ConfigurationProperties("adagio.etcd")
public record EtcdProperties(@DefaultValue("http://127.0.0.1:2379") List<String> endpoints,
                             @DefaultValue("v0") String namespace,
                             @DefaultValue("default") String list,
                             @DefaultValue("5s") Duration timeout,
                             @DefaultValue("128") int maxTxnOps,
                             @DefaultValue("1572864B") DataSize maxRequestBytes,
                             @DefaultValue("100000") int history) {
}
