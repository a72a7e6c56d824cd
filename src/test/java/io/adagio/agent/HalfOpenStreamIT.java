package io.adagio.agent;

import io.adagio.support.Http;
import io.adagio.support.ServiceProcess;
import io.adagio.support.TcpProxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent pool's connections to the control plane go half-open (a proxy between them stops forwarding without
 * closing anything, as when a peer vanishes without a reset): the pool takes its event stream as dead within twice
 * the keep-alive interval and follows again on a new connection, its calls time out and go out again, and a run
 * started meanwhile completes with every node attempted once.
 */
@Timeout(180)
class HalfOpenStreamIT {
    private static final String RUN = "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"},"
            + "{\"name\":\"b\",\"runtime\":\"debug\"}],\"edges\":[{\"source\":\"a\",\"destination\":\"b\"}]}}";

    private static void awaitCompleted(Http http, String id, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() ->
                "COMPLETED".equals(http.get("/v0/runs/" + id).json().path("run").path("status").asString()));
    }

    @Test
    void aPoolWhoseConnectionsGoHalfOpenReconnectsAndFinishesTheRun() throws Exception {
        int port = ServiceProcess.freePort();
        try (ServiceProcess api = ServiceProcess.startOn(port, "--adagio.mode=api", "--adagio.sse.heartbeat=500ms");
             TcpProxy proxy = new TcpProxy(port);
             ServiceProcess agents = ServiceProcess.start("--adagio.mode=agent",
                     "--adagio.agent.server-url=http://127.0.0.1:" + proxy.port(), "--adagio.agent.concurrency=1",
                     "--adagio.agent.id-prefix=halfopen", "--adagio.agent.backoff-max=1s")) {
            Http http = api.http();
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    http.get("/v0/agents").json().path("agents").findValuesAsString("id").contains("halfopen-0"));
            awaitCompleted(http, http.put("/v0/runs", RUN).json().path("run").path("id").asString(), Duration.ofSeconds(30));

            long silencedAt = System.nanoTime();
            proxy.silenceOpen();
            String run = http.put("/v0/runs", RUN).json().path("run").path("id").asString();

            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.opened().stream()
                    .anyMatch(o -> o.atNanos() > silencedAt && o.firstLine().contains("/events")));
            long reconnectedAt = proxy.opened().stream()
                    .filter(o -> o.atNanos() > silencedAt && o.firstLine().contains("/events"))
                    .mapToLong(TcpProxy.Opened::atNanos).min().orElseThrow();
            assertThat(Duration.ofNanos(reconnectedAt - silencedAt)).as("the silent stream taken as dead and followed again")
                    .isLessThanOrEqualTo(Duration.ofSeconds(3)); // twice the 500 ms keep-alive, a check period, a backoff

            awaitCompleted(http, run, Duration.ofSeconds(60));
            io.adagio.faults.Faults.report("F8 half-open connection", java.util.Map.of("keep_alive_ms", 500,
                    "stream_followed_again_after_ms", Duration.ofNanos(reconnectedAt - silencedAt).toMillis()));
            for (JsonNode n : http.get("/v0/runs/" + run).json().path("run").path("nodes")) {
                assertThat(n.path("attempts")).as("%s attempted once", n.path("spec").path("name")).hasSize(1);
                assertThat(n.path("attempts").get(0).path("conclusion").asString()).isEqualTo("SUCCESS");
            }
        }
    }
}
