package io.adagio.agent;

import io.adagio.support.Http;
import io.adagio.support.ServiceProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two processes: a control plane ({@code adagio.mode=api}) and an agent pool ({@code adagio.mode=agent})
 * pointed at it over HTTP. The pool runs work, and when the control plane is killed and comes back, it
 * reconnects by itself (backoff, Last-Event-ID, a reset for the new server's history) and runs work again.
 */
@Timeout(180)
class AgentModeIT {
    private static final String RUN = "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"},"
            + "{\"name\":\"b\",\"runtime\":\"debug\"}],\"edges\":[{\"source\":\"a\",\"destination\":\"b\"}]}}";

    private static void awaitCompleted(Http http, String id) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() ->
                "COMPLETED".equals(http.get("/v0/runs/" + id).json().path("run").path("status").asString()));
    }

    @Test
    void aRemotePoolRunsWorkAndSurvivesAControlPlaneRestart() throws Exception {
        int port = ServiceProcess.freePort();
        ServiceProcess api = ServiceProcess.startOn(port, "--adagio.mode=api");
        try (ServiceProcess agents = ServiceProcess.start("--adagio.mode=agent", "--adagio.agent.server-url=http://127.0.0.1:" + port,
                "--adagio.agent.concurrency=2", "--adagio.agent.id-prefix=remote", "--adagio.agent.backoff-max=1s")) {
            Http http = api.http();
            await().atMost(Duration.ofSeconds(20)).until(() -> http.get("/v0/agents").json().path("agents").size() == 2);
            assertThat(http.get("/v0/agents").json().path("agents").findValuesAsString("id")).containsExactlyInAnyOrder("remote-0", "remote-1");
            String first = http.put("/v0/runs", RUN).json().path("run").path("id").asString();
            awaitCompleted(http, first);
            assertThat(agents.http().get("/actuator/health/liveness").status()).as("agent mode serves probes").isEqualTo(200);

            api.kill();
            api.process().waitFor();
            api = ServiceProcess.startOn(port, "--adagio.mode=api");
            Http again = api.http();
            await().atMost(Duration.ofSeconds(30)).until(() -> again.get("/v0/agents").json().path("agents").size() == 2);
            String second = again.put("/v0/runs", RUN).json().path("run").path("id").asString();
            awaitCompleted(again, second);
            assertThat(again.get("/v0/runs/" + second).json().path("run").path("outcome").asString()).isEqualTo("SUCCEEDED");
        } finally {
            api.close();
        }
    }
}
