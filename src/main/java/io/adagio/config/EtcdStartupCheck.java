package io.adagio.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The first call to etcd at start-up, so that what will never work stops the service at once with the reason:
 * etcd refusing our TLS (an untrusted server or client certificate) or our credentials (a wrong user or password,
 * a user without the permissions). An etcd that does not answer yet is no such failure: the replica starts, not
 * ready until it does (its readiness probe says so).
 */
final class EtcdStartupCheck {
    private static final Logger log = LoggerFactory.getLogger(EtcdStartupCheck.class);

    private EtcdStartupCheck() {
    }

    /**
     * @param ping one call to etcd
     * @throws IllegalStateException when etcd refused this client's TLS or credentials
     */
    static void verify(LongSupplier ping, List<String> endpoints, String user) {
        try {
            long revision = ping.getAsLong();
            log.info("etcd at {} answers (revision {})", endpoints, revision);
        } catch (RuntimeException e) {
            String why = refusal(e);
            if (why != null) {
                throw new IllegalStateException("etcd at " + endpoints + " refused this service: " + why + " ("
                        + rootMessage(e) + "). Check adagio.etcd.tls.*" + (user == null || user.isBlank() ? ""
                        : " and adagio.etcd.user/password (user '" + user + "')") + ".", e);
            }
            log.warn("etcd at {} does not answer yet ({}); this replica is not ready until it does", endpoints, rootMessage(e));
        }
    }

    /** What etcd refused, or null when the failure is not a refusal (etcd away, slow, starting). */
    static String refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException || t instanceof CertificateException) {
                return "the TLS handshake failed (an untrusted certificate, or none where one is required)";
            }
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("authentication failed") || m.contains("invalid user id or password")
                    || m.contains("user name is empty") || m.contains("permission denied")
                    || m.contains("unauthenticated") || m.contains("invalid auth token")) {
                return "its authentication refused our credentials";
            }
        }
        return null;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
