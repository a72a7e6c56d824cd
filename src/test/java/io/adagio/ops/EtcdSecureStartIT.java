package io.adagio.ops;

import io.adagio.support.EtcdProcess;
import io.adagio.support.SecureEtcd;
import io.adagio.support.ServiceProcess;
import io.adagio.support.TestCerts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The service against an etcd with TLS ({@code --client-cert-auth}) and authentication, configured by properties
 * only: it runs a run; a wrong password, an etcd whose certificate it does not trust and a client certificate etcd
 * does not trust each stop it at start-up with the reason, within seconds — never a hang.
 */
@Timeout(180)
class EtcdSecureStartIT {
    private static EtcdProcess etcd;

    @BeforeAll
    static void start() {
        etcd = SecureEtcd.start();
    }

    @AfterAll
    static void stop() {
        etcd.close();
    }

    private static String[] args(String ca, String cert, String key, String password) {
        List<String> a = new ArrayList<>(List.of("--adagio.mode=all", "--adagio.backend=etcd",
                "--adagio.etcd.endpoints=" + etcd.endpoint(), "--adagio.etcd.list=secure-" + System.nanoTime(),
                "--adagio.etcd.tls.ca=" + ca, "--adagio.etcd.tls.cert=" + cert, "--adagio.etcd.tls.key=" + key,
                "--adagio.etcd.user=" + SecureEtcd.USER));
        a.add("--adagio.etcd.password=" + password);
        return a.toArray(String[]::new);
    }

    @Test
    void configuredWithItsCertificatesAndCredentialsItRunsARun() throws Exception {
        TestCerts c = etcd.certs();
        try (ServiceProcess service = ServiceProcess.start(args(c.ca().toString(), c.clientCert().toString(),
                c.clientKey().toString(), SecureEtcd.PASSWORD))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> service.http().get("/actuator/health/readiness").status() == 200);
            String id = service.http().put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"}]}}")
                    .json().path("run").path("id").asString();
            await().atMost(Duration.ofSeconds(30)).until(() -> "SUCCEEDED".equals(
                    service.http().get("/v0/runs/" + id).json().path("run").path("outcome").asString()));
        }
    }

    private static void refusedAtStart(String[] args, String reason) {
        long began = System.nanoTime();
        assertThatThrownBy(() -> ServiceProcess.start(args).close()).hasMessageContaining("the service exited")
                .hasMessageContaining("refused this service: " + reason);
        Duration took = Duration.ofNanos(System.nanoTime() - began);
        assertThat(took).as("a clear failure, not a hang").isLessThan(Duration.ofSeconds(45));
    }

    @Test
    void aWrongPasswordStopsItAtStartWithTheReason() {
        TestCerts c = etcd.certs();
        refusedAtStart(args(c.ca().toString(), c.clientCert().toString(), c.clientKey().toString(), "wrong"),
                "its authentication refused our credentials");
    }

    @Test
    void anEtcdWhoseCertificateItDoesNotTrustStopsItAtStart() {
        TestCerts c = etcd.certs();
        refusedAtStart(args(c.rogueCa().toString(), c.clientCert().toString(), c.clientKey().toString(), SecureEtcd.PASSWORD),
                "the TLS handshake failed");
    }

    @Test
    void aClientCertificateEtcdDoesNotTrustStopsItAtStart() {
        TestCerts c = etcd.certs();
        refusedAtStart(args(c.ca().toString(), c.rogueClientCert().toString(), c.rogueClientKey().toString(), SecureEtcd.PASSWORD),
                "the TLS handshake failed");
    }
}
