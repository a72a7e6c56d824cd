package io.adagio.ops;

import io.adagio.support.Http;
import io.adagio.support.ServiceProcess;
import io.adagio.support.SseClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** SIGTERM with the pool busy and agent streams open: the process exits promptly and cleanly. */
@Timeout(120)
class ShutdownIT {
    @Test
    void sigtermWithOpenStreamsAndWorkInHandExitsWithinFiveSeconds() throws Exception {
        try (ServiceProcess service = ServiceProcess.start("--adagio.mode=all", "--adagio.agent.concurrency=2")) {
            Http http = service.http();
            await().atMost(Duration.ofSeconds(20)).until(() -> http.get("/v0/agents").json().path("agents").size() == 2);
            SseClient one = SseClient.open(http, "/v0/agents/outside-1/events?runtime=debug", null);
            SseClient two = SseClient.open(http, "/v0/agents/outside-2/events?runtime=exec", null);
            http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"slow\",\"runtime\":\"debug\","
                    + "\"metadata\":{\"adagio.arguments.debug.sleep\":{\"values\":[\"60s\"]}}}]}}");
            await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v0/stats").json()
                    .path("stats").path("node_counts").path("running_count").asLong() == 1);

            long t0 = System.nanoTime();
            service.terminate();
            boolean exited = service.process().waitFor(5, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(exited).as("exited within 5 s; output:\n%s", service.output()).isTrue();
            assertThat(took).isLessThan(Duration.ofSeconds(5));
            assertThat(service.process().exitValue()).isIn(0, 143);
            await().atMost(Duration.ofSeconds(2)).until(() -> one.ended() && two.ended());
            assertThat(service.output()).contains("agent pool stopped").doesNotContain("Exception in thread");
        }
    }
}
