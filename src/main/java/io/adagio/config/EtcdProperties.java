package io.adagio.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.List;

/**
 * The etcd backend.
 *
 * @param endpoints client URLs of the etcd cluster ({@code https://…} when it speaks TLS)
 * @param namespace the top-level key prefix (the original's {@code WithNamespace})
 * @param list      the named list under it (the original's {@code ForList}); keys live under namespace/list/
 * @param timeout         the deadline of every etcd call
 * @param maxTxnOps       the etcd cluster's {@code --max-txn-ops} (etcd's default 128): transactions are sized to it
 * @param maxRequestBytes the etcd cluster's {@code --max-request-bytes} (etcd's default 1.5 MiB)
 * @param history         how many events each replica keeps in memory for agents that reconnect with
 *                        Last-Event-ID (older ones are replayed from etcd's history while it has them)
 * @param tls             TLS to etcd: the CA that signed its server certificates, and this client's certificate
 *                        and key (for {@code --client-cert-auth}); PEM files
 * @param user            the etcd user (etcd authentication); none when empty
 * @param password        that user's password
 * @param authority       the name the server certificates are checked against, when it is not the endpoints' host
 */
@ConfigurationProperties("adagio.etcd")
public record EtcdProperties(@DefaultValue("http://127.0.0.1:2379") List<String> endpoints,
                             @DefaultValue("v0") String namespace,
                             @DefaultValue("default") String list,
                             @DefaultValue("5s") Duration timeout,
                             @DefaultValue("128") int maxTxnOps,
                             @DefaultValue("1572864B") DataSize maxRequestBytes,
                             @DefaultValue("100000") int history,
                             @DefaultValue Tls tls,
                             String user,
                             String password,
                             String authority) {

    /**
     * @param ca   the CA certificate(s) etcd's server certificates must chain to; empty: the JVM's trusted CAs
     * @param cert this client's certificate chain, for an etcd started with {@code --client-cert-auth}
     * @param key  its private key (PKCS#8 PEM, as {@code openssl genpkey} writes it)
     */
    public record Tls(String ca, String cert, String key) {
    }

    /** The plain endpoints and deadline of a test or tool, without TLS or credentials. */
    public static EtcdProperties plain(List<String> endpoints, Duration timeout) {
        return new EtcdProperties(endpoints, "v0", "default", timeout, 128, DataSize.ofBytes(1572864), 100000,
                new Tls(null, null, null), null, null, null);
    }
}
