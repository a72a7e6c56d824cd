package io.adagio.repository.etcd;

import io.adagio.support.SecureEtcd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Clock;

/**
 * The whole conformance suite on an etcd that speaks only TLS ({@code --client-cert-auth}: server and client
 * certificates made for the test) with authentication enabled ({@link SecureEtcd}: the service's user may read and
 * write only {@code v0/}), the service's client configured as in production ({@code EtcdClients.of(EtcdProperties)}:
 * CA, client certificate and key, user and password).
 */
class EtcdSecureRepositoryIT extends EtcdRepositoryIT {
    /** Hides {@link EtcdRepositoryIT#startEtcd}: this class's etcd is a secure one. */
    @BeforeAll
    static void startEtcd() {
        etcd = SecureEtcd.start();
        admin = SecureEtcd.client(etcd, "root", SecureEtcd.ROOT_PASSWORD);
    }

    @AfterAll
    static void stopEtcd() {
        admin.close();
        etcd.close();
    }

    @Override
    protected EtcdRepository open(EtcdOptions created, Clock clock) {
        return new EtcdRepository(SecureEtcd.client(etcd, SecureEtcd.USER, SecureEtcd.PASSWORD), created, clock);
    }
}
