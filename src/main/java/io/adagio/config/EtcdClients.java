package io.adagio.config;

import io.etcd.jetcd.Client;

import java.time.Duration;
import java.util.List;

/**
 * Builds the jetcd {@link Client} of the etcd backend: the one place its connection is configured (endpoints,
 * deadlines, message size; TLS and credentials belong here too).
 */
public final class EtcdClients {
    /** Large enough for a page of runs or a big prefix read in one answer. */
    private static final int MAX_INBOUND_BYTES = 64 * 1024 * 1024;

    private EtcdClients() {
    }

    /** A client for the configured etcd. */
    public static Client of(EtcdProperties etcd) {
        return of(etcd.endpoints(), etcd.timeout());
    }

    /**
     * A client that connects lazily (no call is made here) and never waits for a connection longer than
     * {@code timeout}.
     */
    public static Client of(List<String> endpoints, Duration timeout) {
        return Client.builder()
                .endpoints(endpoints.toArray(String[]::new))
                .connectTimeout(timeout)
                .retryMaxDuration(timeout)
                .waitForReady(false)
                .maxInboundMessageSize(MAX_INBOUND_BYTES)
                .build();
    }
}
