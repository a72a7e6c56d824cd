package io.adagio.support;

import io.adagio.config.EtcdClients;
import io.adagio.config.EtcdProperties;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An etcd that speaks only TLS with {@code --client-cert-auth} ({@link EtcdProcess#startSecure}) and has
 * authentication enabled: a root user, and a user {@code adagio} whose role may read and write only {@code v0/}.
 */
public final class SecureEtcd {
    public static final String USER = "adagio";
    public static final String PASSWORD = "s3cret-adagio";
    public static final String ROOT_PASSWORD = "s3cret-root";

    private SecureEtcd() {
    }

    /** Starts it, with its users, and authentication on. */
    public static EtcdProcess start() {
        EtcdProcess etcd = EtcdProcess.startSecure();
        try (Client setup = client(etcd, null, null)) { // as etcdctl user add / role add / auth enable would
            var auth = setup.getAuthClient();
            auth.userAdd(bytes("root"), bytes(ROOT_PASSWORD)).get(10, TimeUnit.SECONDS);
            auth.roleAdd(bytes("root")).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
            auth.userAdd(bytes(USER), bytes(PASSWORD)).get(10, TimeUnit.SECONDS);
            auth.roleAdd(bytes(USER)).get(10, TimeUnit.SECONDS);
            auth.roleGrantPermission(bytes(USER), bytes("v0/"), bytes("v0" + (char) ('/' + 1)), Permission.Type.READWRITE)
                    .get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes(USER), bytes(USER)).get(10, TimeUnit.SECONDS);
            auth.authEnable().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            etcd.close();
            throw new IllegalStateException("enabling etcd authentication failed", e);
        }
        return etcd;
    }

    /** The service's configuration for this etcd (CA, client certificate and key, user and password). */
    public static EtcdProperties properties(EtcdProcess etcd, String user, String password) {
        TestCerts c = etcd.certs();
        EtcdProperties plain = EtcdProperties.plain(List.of(etcd.endpoint()), Duration.ofSeconds(5));
        return new EtcdProperties(plain.endpoints(), plain.namespace(), plain.list(), plain.timeout(), plain.maxTxnOps(),
                plain.maxRequestBytes(), plain.history(), new EtcdProperties.Tls(c.ca().toString(),
                c.clientCert().toString(), c.clientKey().toString()), user, password, null);
    }

    /** A client configured as the service configures its own. */
    public static Client client(EtcdProcess etcd, String user, String password) {
        return EtcdClients.of(properties(etcd, user, password));
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
