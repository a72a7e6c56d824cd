package io.adagio.ops;

import io.adagio.support.EtcdProcess;
import io.adagio.support.Http;
import io.adagio.support.ServiceProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * etcd goes away under a running service: calls answer 503 problems that say they can be retried (never a
 * hang, never a 500), readiness goes down while liveness stays up, and everything works again when etcd is back.
 */
@Timeout(180)
class EtcdOutageIT {
    @Test
    void anUnreachableEtcdIsARetryable503AndTakesTheReplicaOutOfReadiness() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start();
             ServiceProcess service = ServiceProcess.start("--adagio.mode=api", "--adagio.backend=etcd",
                     "--adagio.etcd.endpoints=" + etcd.endpoint(), "--adagio.etcd.timeout=2s")) {
            Http http = service.http();
            String body = "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"}]}}";
            String id = http.put("/v0/runs", body).json().path("run").path("id").asString();
            assertThat(http.get("/actuator/health/readiness").status()).isEqualTo(200);

            etcd.kill();
            long t0 = System.nanoTime();
            Http.Reply inspect = http.get("/v0/runs/" + id);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            assertThat(inspect.status()).isEqualTo(503);
            assertThat(inspect.contentType()).startsWith("application/problem+json");
            assertThat(inspect.problem()).isEqualTo("backend-unavailable");
            assertThat(inspect.json().path("retryable").asBoolean()).isTrue();
            assertThat(inspect.header("Retry-After")).isNotBlank();
            Http.Reply start = http.put("/v0/runs", body);
            assertThat(start.status()).isEqualTo(503);
            assertThat(http.get("/v0/stats").status()).isEqualTo(503);
            assertThat(http.get("/actuator/health/readiness").status()).isEqualTo(503);
            assertThat(http.get("/actuator/health/liveness").status()).isEqualTo(200);

            etcd.restart();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> http.get("/actuator/health/readiness").status() == 200);
            assertThat(http.get("/v0/runs/" + id).status()).isEqualTo(200);
            assertThat(http.put("/v0/runs", body).status()).isEqualTo(200);
        }
    }
}
