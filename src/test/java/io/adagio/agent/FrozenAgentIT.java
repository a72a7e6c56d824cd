package io.adagio.agent;

import io.adagio.support.Http;
import io.adagio.support.ServiceProcess;
import io.adagio.support.SseClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A frozen agent process (SIGSTOP: a long GC pause, a suspended VM) keeps its sockets open, so only its own
 * calls can prove it alive: it is orphaned one TTL after its last call, and once resumed (SIGCONT) its finish is
 * refused as stale, so nothing it did while it was presumed dead lands.
 */
@Timeout(180)
class FrozenAgentIT {
    private static final String RUN = "{\"spec\":{\"nodes\":[{\"name\":\"slow\",\"runtime\":\"debug\",\"metadata\":"
            + "{\"adagio.arguments.debug.sleep\":{\"values\":[\"6s\"]}}}]}}";

    private static void signal(Process p, String signal) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor())
                .as("kill -%s", signal).isZero();
    }

    @Test
    void aFrozenAgentIsOrphanedWithinTheTtlAndItsFinishAfterItResumesIsFenced() throws Exception {
        int port = ServiceProcess.freePort();
        try (ServiceProcess api = ServiceProcess.startOn(port, "--adagio.mode=api", "--adagio.leases.ttl=2s",
                "--adagio.sse.heartbeat=500ms");
             ServiceProcess agent = ServiceProcess.start("--adagio.mode=agent", "--adagio.agent.server-url=http://127.0.0.1:" + port,
                     "--adagio.agent.concurrency=1", "--adagio.agent.id-prefix=frozen")) {
            Http http = api.http();
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    http.get("/v0/agents").json().path("agents").findValuesAsString("id").contains("frozen-0"));
            // the new holder, which listens for orphans (its runtime is debug too, but it claims only by hand)
            assertThat(http.put("/v0/agents/rescuer", "{\"runtimes\":[{\"name\":\"debug\"}]}").status()).isEqualTo(200);
            SseClient orphans = SseClient.open(http, "/v0/agents/rescuer/events?type=NODE_ORPHANED", null);
            try {
                String run = http.put("/v0/runs", RUN).json().path("run").path("id").asString();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                        "RUNNING".equals(http.get("/v0/runs/" + run + "/nodes/slow").json().path("node").path("status").asString()));

                signal(agent.process(), "STOP");
                long frozenAt = System.nanoTime();
                await().atMost(Duration.ofSeconds(2 + 2)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    http.post("/v0/agents/rescuer/heartbeat", "");
                    return !orphans.of("NODE_ORPHANED").isEmpty();
                });
                Duration took = Duration.ofNanos(System.nanoTime() - frozenAt);
                assertThat(http.get("/v0/agents").json().path("agents").findValuesAsString("id")).doesNotContain("frozen-0");

                Http.Reply claimed = http.post("/v0/runs/" + run + "/nodes/slow/claim", "{\"agent_id\":\"rescuer\"}");
                assertThat(claimed.json().path("claimed").asBoolean()).as("the new holder claims it").isTrue();
                String claim = claimed.json().path("claim").path("id").asString();

                signal(agent.process(), "CONT");
                // resumed, the agent's node ends its sleep and it sends the finish: refused, the claim is no longer its
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    assertThat(http.post("/v0/agents/rescuer/heartbeat", "").status()).as("the new holder lives").isEqualTo(200);
                    return agent.output().contains("finish of slow of run " + run + " was refused (STALE)");
                });
                JsonNode node = http.get("/v0/runs/" + run + "/nodes/slow").json().path("node");
                assertThat(node.path("status").asString()).as("still the new holder's").isEqualTo("RUNNING");
                assertThat(node.path("attempts")).as("no zombie write landed").isEmpty();

                assertThat(http.post("/v0/runs/" + run + "/nodes/slow/finish", "{\"claim\":{\"id\":\"" + claim
                        + "\"},\"result\":{\"conclusion\":\"SUCCESS\",\"output_text\":\"rescued\"}}").status()).isEqualTo(200);
                node = http.get("/v0/runs/" + run + "/nodes/slow").json().path("node");
                assertThat(node.path("attempts")).as("only the new holder's result").hasSize(1);
                assertThat(node.path("attempts").get(0).path("conclusion").asString()).isEqualTo("SUCCESS");
                assertThat(took).as("orphaned within TTL + 2 s of the freeze").isLessThanOrEqualTo(Duration.ofSeconds(4));
                io.adagio.faults.Faults.report("F2 zombie agent", java.util.Map.of("ttl_ms", 2000,
                        "orphaned_after_freeze_ms", took.toMillis(), "zombie_finish", "409 stale-claim",
                        "zombie_writes_landed", 0));
            } finally {
                orphans.close();
                signal(agent.process(), "CONT");
            }
        }
    }
}
