package io.adagio.ops;

import io.adagio.support.Http;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The operator's view: probes answer, and after a run the Prometheus scrape shows adagio's metrics. */
@Timeout(60)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "adagio.mode=all")
class OperationsTest {
    @LocalServerPort
    int port;

    @Test
    void probesAnswer() {
        Http http = new Http(port);
        for (String probe : new String[]{"/actuator/health/liveness", "/actuator/health/readiness", "/actuator/health"}) {
            Http.Reply r = http.get(probe);
            assertThat(r.status()).as(probe).isEqualTo(200);
            assertThat(r.json().path("status").asString()).as(probe).isEqualTo("UP");
        }
    }

    @Test
    void prometheusShowsAdagioMetricsAfterARun() {
        Http http = new Http(port);
        await().atMost(Duration.ofSeconds(20)).until(() -> http.get("/v0/agents").json().path("agents").size() == 4);
        String id = http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"},{\"name\":\"b\",\"runtime\":\"debug\"}],"
                + "\"edges\":[{\"source\":\"a\",\"destination\":\"b\"}]}}").json().path("run").path("id").asString();
        await().atMost(Duration.ofSeconds(20)).until(() ->
                "COMPLETED".equals(http.get("/v0/runs/" + id).json().path("run").path("status").asString()));
        String scrape = http.get("/actuator/prometheus").body();
        assertThat(value(scrape, "adagio_runs_started_total")).isGreaterThanOrEqualTo(1);
        assertThat(value(scrape, "adagio_claims_total{result=\"won\"")).isGreaterThanOrEqualTo(2);
        assertThat(value(scrape, "adagio_finishes_total{conclusion=\"SUCCESS\"")).isGreaterThanOrEqualTo(2);
        assertThat(value(scrape, "adagio_node_transitions_total{to=\"COMPLETED\"")).isGreaterThanOrEqualTo(2);
        assertThat(value(scrape, "adagio_sse_streams")).as("one shared stream per pool").isEqualTo(1);
        assertThat(value(scrape, "adagio_agents")).isEqualTo(4);
        assertThat(value(scrape, "adagio_runs_finished_total{outcome=\"SUCCEEDED\"")).isGreaterThanOrEqualTo(1);
        assertThat(scrape).contains("adagio_finishes_stale_total");
    }

    private static double value(String scrape, String metric) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(metric) + "[^ ]* ([0-9.eE+-]+)$").matcher(scrape);
        assertThat(m.find()).as("%s in the scrape", metric).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
