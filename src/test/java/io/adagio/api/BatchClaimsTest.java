package io.adagio.api;

import io.adagio.control.ReadyClaims;
import io.adagio.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Protocol v2's batch claim over real HTTP: {@code POST /v0/agents/{id}/claims} takes up to {@code max} READY
 * nodes of the agent's runtimes, or waits (long poll, no servlet thread) up to {@code wait} for one.
 */
@Timeout(60)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "adagio.mode=api", "adagio.leases.ttl=3s", "adagio.sse.heartbeat=300ms", "adagio.memory.history=20"})
class BatchClaimsTest {
    @LocalServerPort
    int port;
    @Autowired
    ReadyClaims readyClaims;
    Http http;

    @BeforeEach
    void client() {
        http = new Http(port);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private void register(String agent, String runtime) {
        assertThat(http.put("/v0/agents/" + agent, "{\"runtimes\":[{\"name\":\"" + runtime + "\"}]}").status()).isEqualTo(200);
    }

    private String start(String runtime, String name) {
        return http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"" + name + "\",\"runtime\":\"" + runtime + "\"}]}}")
                .json().path("run").path("id").asString();
    }

    private List<String> claimed(Http.Reply r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        for (JsonNode c : r.json().path("claims")) {
            assertThat(c.path("claimed").asBoolean()).isTrue();
            assertThat(c.path("node").path("status").asString()).isEqualTo("RUNNING");
            assertThat(c.path("claim").path("id").asString()).isNotBlank();
            assertThat(c.path("run_id").asString()).as("a batch may hold nodes of any run").hasSize(26);
            names.add(c.path("node").path("spec").path("name").asString());
        }
        return names;
    }

    @Test
    void aBatchTakesUpToMaxReadyNodesOfTheAgentsRuntimes() {
        String runtime = unique("rt");
        String agent = unique("batch");
        register(agent, runtime);
        for (String n : List.of("x", "y", "z")) {
            start(runtime, n);
        }
        start(unique("other-rt"), "not-mine");
        List<String> first = claimed(http.post("/v0/agents/" + agent + "/claims", "{\"max\": 2}"));
        List<String> second = claimed(http.post("/v0/agents/" + agent + "/claims", "{\"max\": 5}"));
        assertThat(first).hasSize(2);
        assertThat(second).hasSize(1);
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        assertThat(all).containsExactlyInAnyOrder("x", "y", "z");
        assertThat(claimed(http.post("/v0/agents/" + agent + "/claims", "{\"max\": 5}"))).isEmpty();
    }

    @Test
    void aWaitingClaimIsAnsweredWhenANodeBecomesReady() throws Exception {
        String runtime = unique("rt");
        String agent = unique("waiter");
        register(agent, runtime);
        int before = readyClaims.waiting();
        CompletableFuture<Http.Reply> reply = CompletableFuture.supplyAsync(
                () -> http.post("/v0/agents/" + agent + "/claims", "{\"max\": 3, \"wait\": \"1s\"}"));
        await().atMost(Duration.ofSeconds(5)).until(() -> readyClaims.waiting() > before);
        long t0 = System.nanoTime();
        start(runtime, "late");
        assertThat(claimed(reply.get(5, TimeUnit.SECONDS))).containsExactly("late");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("answered when it came, not at the deadline")
                .isLessThan(Duration.ofMillis(900));
    }

    @Test
    void aWaitWithNothingReadyAnswersAnEmptyListAtItsDeadline() {
        String agent = unique("idle");
        register(agent, unique("rt"));
        long t0 = System.nanoTime();
        assertThat(claimed(http.post("/v0/agents/" + agent + "/claims", "{\"max\": 1, \"wait\": \"300ms\"}"))).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void severalFinishesAreAnsweredEachOnItsOwnAndBringTheNextClaims() {
        String runtime = unique("rt");
        String agent = unique("finisher");
        register(agent, runtime);
        String chain = http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"" + runtime
                + "\"},{\"name\":\"b\",\"runtime\":\"" + runtime + "\"}],\"edges\":[{\"source\":\"a\",\"destination\":\"b\"}]}}")
                .json().path("run").path("id").asString();
        String single = start(runtime, "c");
        Http.Reply batch = http.post("/v0/agents/" + agent + "/claims", "{\"max\": 2}");
        assertThat(claimed(batch)).containsExactlyInAnyOrder("a", "c");
        String claimA = null;
        String claimC = null;
        for (JsonNode c : batch.json().path("claims")) {
            if (c.path("node").path("spec").path("name").asString().equals("a")) {
                claimA = c.path("claim").path("id").asString();
            } else {
                claimC = c.path("claim").path("id").asString();
            }
        }
        String ok = "\"result\":{\"conclusion\":\"SUCCESS\",\"output_text\":\"done\"}";
        Http.Reply r = http.post("/v0/agents/" + agent + "/finishes", "{\"next\": 2, \"finishes\": ["
                + "{\"run_id\":\"" + chain + "\",\"node\":\"a\",\"claim\":{\"id\":\"" + claimA + "\"}," + ok + "},"
                + "{\"run_id\":\"" + single + "\",\"node\":\"c\",\"claim\":{\"id\":\"" + claimC + "\"}," + ok + "},"
                + "{\"run_id\":\"" + single + "\",\"node\":\"c\",\"claim\":{\"id\":\"not-the-claim\"}," + ok + "},"
                + "{\"run_id\":\"01JNOSUCHRUN0000000000000A\",\"node\":\"x\",\"claim\":{\"id\":\"c\"}," + ok + "}]}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<String> outcomes = new ArrayList<>();
        r.json().path("results").forEach(o -> outcomes.add(o.path("node").asString() + ":" + o.path("outcome").asString()));
        assertThat(outcomes).containsExactly("a:finished", "c:finished", "c:stale", "x:not_found");
        assertThat(r.json().path("results").get(0).path("finished").path("status").asString()).isEqualTo("COMPLETED");
        assertThat(r.json().path("next")).singleElement().satisfies(n -> {
            assertThat(n.path("node").path("spec").path("name").asString()).isEqualTo("b");
            assertThat(n.path("node").path("status").asString()).isEqualTo("RUNNING");
        });
        assertThat(http.get("/v0/runs/" + single).json().path("run").path("outcome").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void badBatchFinishesAreProblemsAndChangeNothing() {
        String agent = unique("bad-finisher");
        register(agent, unique("rt"));
        Http.Reply empty = http.post("/v0/agents/" + agent + "/finishes", "{\"finishes\": []}");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.json().path("field").asString()).isEqualTo("finishes");
        Http.Reply noClaim = http.post("/v0/agents/" + agent + "/finishes",
                "{\"finishes\": [{\"run_id\":\"r\",\"node\":\"n\",\"result\":{\"conclusion\":\"SUCCESS\"}}]}");
        assertThat(noClaim.status()).isEqualTo(400);
        Http.Reply ghost = http.post("/v0/agents/" + unique("ghost") + "/finishes",
                "{\"finishes\": [{\"run_id\":\"r\",\"node\":\"n\",\"claim\":{\"id\":\"c\"},\"result\":{\"conclusion\":\"SUCCESS\"}}]}");
        assertThat(ghost.status()).isEqualTo(409);
        assertThat(ghost.json().path("type").asString()).endsWith("/agent-not-registered");
    }

    @Test
    void badBatchClaimsAreProblems() {
        String agent = unique("bad");
        register(agent, unique("rt"));
        Http.Reply tooLong = http.post("/v0/agents/" + agent + "/claims", "{\"max\": 1, \"wait\": \"5s\"}");
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.json().path("type").asString()).endsWith("/invalid-request");
        assertThat(tooLong.json().path("field").asString()).isEqualTo("wait");
        Http.Reply notADuration = http.post("/v0/agents/" + agent + "/claims", "{\"wait\": \"soon\"}");
        assertThat(notADuration.status()).isEqualTo(400);
        assertThat(notADuration.json().path("field").asString()).isEqualTo("wait");
        Http.Reply none = http.post("/v0/agents/" + agent + "/claims", "{\"max\": 0}");
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.json().path("field").asString()).isEqualTo("max");
        Http.Reply ghost = http.post("/v0/agents/" + unique("ghost") + "/claims", "{\"max\": 1}");
        assertThat(ghost.status()).isEqualTo(409);
        assertThat(ghost.json().path("type").asString()).endsWith("/agent-not-registered");
        Http.Reply noRequest = http.get("/v0/agents/" + agent + "/claims");
        assertThat(noRequest.status()).as("asking for a request's claims needs its id").isEqualTo(400);
        assertThat(noRequest.json().path("parameter").asString()).isEqualTo("request_id");
        Http.Reply ghostAsks = http.get("/v0/agents/" + unique("ghost") + "/claims?request_id=x");
        assertThat(ghostAsks.status()).isEqualTo(409);
    }
}
