package io.adagio.config;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;

import javax.net.ssl.SSLException;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Builds the jetcd {@link Client} of the etcd backend: the one place its connection is configured (endpoints,
 * deadlines, message size, TLS, credentials, authority). What cannot work is refused here, before any call, with
 * the property to fix.
 */
public final class EtcdClients {
    /** Large enough for a page of runs or a big prefix read in one answer. */
    private static final int MAX_INBOUND_BYTES = 64 * 1024 * 1024;

    private EtcdClients() {
    }

    /**
     * A client for the configured etcd.
     *
     * @throws IllegalArgumentException when the configuration cannot work (a file missing, a certificate without its
     *                                  key, TLS files with {@code http://} endpoints, a user without a password)
     */
    public static Client of(EtcdProperties etcd) {
        ClientBuilder b = builder(etcd.endpoints(), etcd.timeout());
        EtcdProperties.Tls tls = etcd.tls() == null ? new EtcdProperties.Tls(null, null, null) : etcd.tls();
        boolean https = etcd.endpoints().stream().anyMatch(e -> e.toLowerCase(Locale.ROOT).startsWith("https://"));
        boolean tlsFiles = given(tls.ca()) || given(tls.cert()) || given(tls.key());
        if (tlsFiles && !https) {
            throw new IllegalArgumentException("adagio.etcd.tls.* is set but adagio.etcd.endpoints are not https:// URLs: "
                    + etcd.endpoints());
        }
        if (given(tls.cert()) != given(tls.key())) {
            throw new IllegalArgumentException("adagio.etcd.tls.cert and adagio.etcd.tls.key go together: give both or neither");
        }
        if (https) {
            try {
                b.sslContext(ssl -> {
                    if (given(tls.ca())) {
                        ssl.trustManager(file("adagio.etcd.tls.ca", tls.ca()));
                    }
                    if (given(tls.cert())) {
                        ssl.keyManager(file("adagio.etcd.tls.cert", tls.cert()), file("adagio.etcd.tls.key", tls.key()));
                    }
                });
            } catch (SSLException | RuntimeException e) {
                throw new IllegalArgumentException("adagio.etcd.tls.*: the certificates or key cannot be used: " + e.getMessage(), e);
            }
        }
        if (given(etcd.user())) {
            if (!given(etcd.password())) {
                throw new IllegalArgumentException("adagio.etcd.user is set but adagio.etcd.password is empty");
            }
            b.user(ByteSequence.from(etcd.user(), StandardCharsets.UTF_8))
                    .password(ByteSequence.from(etcd.password(), StandardCharsets.UTF_8));
        }
        if (given(etcd.authority())) {
            b.authority(etcd.authority());
        }
        return b.build();
    }

    /**
     * A client that connects lazily (no call is made here) and never waits for a connection longer than
     * {@code timeout}, without TLS or credentials.
     */
    public static Client of(List<String> endpoints, Duration timeout) {
        return of(EtcdProperties.plain(endpoints, timeout));
    }

    private static ClientBuilder builder(List<String> endpoints, Duration timeout) {
        return Client.builder()
                .endpoints(endpoints.toArray(String[]::new))
                .connectTimeout(timeout)
                .retryMaxDuration(timeout)
                .waitForReady(false)
                .maxInboundMessageSize(MAX_INBOUND_BYTES);
    }

    private static boolean given(String s) {
        return s != null && !s.isBlank();
    }

    private static File file(String property, String path) {
        File f = new File(path);
        if (!f.canRead()) {
            throw new IllegalArgumentException(property + ": cannot read " + path);
        }
        return f;
    }
}
