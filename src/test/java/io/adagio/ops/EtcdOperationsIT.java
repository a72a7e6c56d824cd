package io.adagio.ops;

import io.adagio.support.EtcdProcess;
import io.adagio.support.Http;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** On etcd, readiness includes etcd and the scrape shows etcd call latency and transaction conflicts. */
@Timeout(90)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"adagio.mode=all", "adagio.backend=etcd"})
class EtcdOperationsIT {
    @DynamicPropertySource
    static void etcd(DynamicPropertyRegistry registry) {
        registry.add("adagio.etcd.endpoints", () -> EtcdProcess.shared().endpoint());
        registry.add("adagio.etcd.list", () -> "ops-" + System.nanoTime());
    }

    @LocalServerPort
    int port;

    @Test
    void etcdIsInReadinessAndItsCallsAreMeasured() {
        Http http = new Http(port);
        Http.Reply ready = http.get("/actuator/health/readiness");
        assertThat(ready.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> http.get("/v0/agents").json().path("agents").size() == 4);
        String id = http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"}]}}")
                .json().path("run").path("id").asString();
        await().atMost(Duration.ofSeconds(20)).until(() ->
                "COMPLETED".equals(http.get("/v0/runs/" + id).json().path("run").path("status").asString()));
        String scrape = http.get("/actuator/prometheus").body();
        assertThat(scrape).containsPattern("(?m)^adagio_etcd_calls_seconds_count\\{kind=\"txn\",outcome=\"ok\"[^}]*\\} [1-9]");
        assertThat(scrape).contains("adagio_etcd_txn_conflicts_total");
        assertThat(scrape).containsPattern("(?m)^adagio_runs_finished_total\\{[^}]*outcome=\"SUCCEEDED\"[^}]*\\} [1-9]");
    }
}
