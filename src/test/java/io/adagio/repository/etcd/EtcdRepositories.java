package io.adagio.repository.etcd;

import io.adagio.config.EtcdClients;

import java.time.Clock;

/** Repositories for tests, on a client built as the service builds it. */
final class EtcdRepositories {
    private EtcdRepositories() {
    }

    static EtcdRepository open(EtcdOptions options, Clock clock) {
        return new EtcdRepository(EtcdClients.of(options.endpoints(), options.timeout()), options, clock);
    }
}
