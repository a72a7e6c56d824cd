package io.adagio.e2e;

import io.adagio.agent.AgentPool;
import io.adagio.agent.http.HttpControlPlane;
import io.adagio.agent.runtime.NodeRuntime;
import io.adagio.config.AgentProperties;
import io.adagio.model.Conclusion;
import io.adagio.model.GraphSpec;
import io.adagio.model.Result;
import io.adagio.support.Http;
import io.adagio.support.SseClient;
import io.adagio.Graphs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end: a real server on a random port with the built-in agent pool over real HTTP/SSE. Runs the
 * original's examples and variants, large fan-outs and diamonds, and an agent killed mid-node. Each backend
 * extends this with its own {@code @SpringBootTest} properties (pool on, exec allowed for {@code ls},
 * lease TTL 2 s, runs of at most 2 MB); the size limits answer the same on both.
 */
@Timeout(180)
public abstract class EndToEndContract {
    protected static final Duration TTL = Duration.ofSeconds(2);

    @LocalServerPort
    int port;
    @Autowired
    JsonMapper json;
    protected Http http;

    @BeforeEach
    void client() {
        http = new Http(port);
        await().atMost(Duration.ofSeconds(20)).until(() -> http.get("/v0/agents").json().path("agents").size() >= 1);
    }

    private String start(String body) {
        Http.Reply r = http.put("/v0/runs", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("run").path("id").asString();
    }

    private String startExample(String file) throws Exception {
        return start("{\"spec\":" + Files.readString(Path.of("examples", file)) + "}");
    }

    private String start(GraphSpec graph) {
        return start("{\"spec\":" + json.writeValueAsString(graph) + "}");
    }

    private JsonNode awaitCompleted(String id, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(50)).until(() ->
                "COMPLETED".equals(http.get("/v0/runs/" + id).json().path("run").path("status").asString()));
        return http.get("/v0/runs/" + id).json().path("run");
    }

    private static Map<String, JsonNode> byName(JsonNode run) {
        Map<String, JsonNode> out = new HashMap<>();
        run.path("nodes").forEach(n -> out.put(n.path("spec").path("name").asString(), n));
        return out;
    }

    private static String text(JsonNode base64) {
        return base64.isNull() || base64.isMissingNode() ? "" : new String(Base64.getDecoder().decode(base64.asString()), StandardCharsets.UTF_8);
    }

    private static List<String> conclusions(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.path("attempts").forEach(a -> out.add(a.path("conclusion").asString()));
        return out;
    }

    @Test
    void theOriginalsExampleCompletesWithOutputsFlowingToInputs() throws Exception {
        JsonNode run = awaitCompleted(startExample("example.json"), Duration.ofSeconds(30));
        assertThat(run.path("outcome").asString()).isEqualTo("SUCCEEDED");
        Map<String, JsonNode> nodes = byName(run);
        Map<String, List<String>> parents = Map.of("a", List.of(), "b", List.of(), "c", List.of("a"), "d", List.of("a", "b"),
                "e", List.of("c", "d"), "f", List.of("b"), "g", List.of("e", "f"));
        for (var e : nodes.entrySet()) {
            JsonNode n = e.getValue();
            assertThat(conclusions(n)).as(e.getKey()).containsExactly("SUCCESS");
            JsonNode inputs = n.path("inputs");
            assertThat(inputs.propertyNames()).as(e.getKey()).containsExactlyInAnyOrderElementsOf(parents.get(e.getKey()));
            for (String p : parents.get(e.getKey())) {
                assertThat(inputs.path(p).asString()).isEqualTo(nodes.get(p).path("attempts").get(0).path("output").asString());
            }
        }
        assertThat(text(nodes.get("d").path("attempts").get(0).path("output"))).isEqualTo("d");
        assertThat(text(nodes.get("g").path("attempts").get(0).path("output"))).as("ls ran in the working directory configured (adagio.agent.exec.working-directory=.)").contains("pom.xml");
    }

    @Test
    void theFailureVariantSkipsDownstream() throws Exception {
        JsonNode run = awaitCompleted(startExample("example-failure.json"), Duration.ofSeconds(30));
        assertThat(run.path("outcome").asString()).isEqualTo("FAILED");
        Map<String, JsonNode> nodes = byName(run);
        assertThat(conclusions(nodes.get("d"))).containsExactly("FAIL");
        for (String skipped : List.of("e", "g")) {
            assertThat(nodes.get(skipped).path("attempts")).isEmpty();
            assertThat(nodes.get(skipped).path("skipped").asBoolean()).isTrue();
            assertThat(nodes.get(skipped).path("status").asString()).isEqualTo("COMPLETED");
        }
        for (String ran : List.of("a", "b", "c", "f")) {
            assertThat(conclusions(nodes.get(ran))).containsExactly("SUCCESS");
        }
    }

    @Test
    void theErrorVariantFailsTheRun() throws Exception {
        JsonNode run = awaitCompleted(startExample("example-error.json"), Duration.ofSeconds(30));
        assertThat(conclusions(byName(run).get("d"))).containsExactly("ERROR");
        assertThat(run.path("outcome").asString()).isEqualTo("FAILED");
    }

    @Test
    void anErrorIsRetriedAndThenSucceeds() {
        String body = "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"},{\"name\":\"b\",\"runtime\":\"debug\"},"
                + "{\"name\":\"h\",\"runtime\":\"debug\",\"retry\":{\"error\":{\"max_attempts\":2}},"
                + "\"metadata\":{\"adagio.arguments.debug.conclusion\":{\"values\":[\"error\",\"success\"]}}},"
                + "{\"name\":\"c\",\"runtime\":\"debug\"}],\"edges\":[{\"source\":\"a\",\"destination\":\"h\"},"
                + "{\"source\":\"h\",\"destination\":\"c\"},{\"source\":\"b\",\"destination\":\"c\"}]}}";
        JsonNode run = awaitCompleted(start(body), Duration.ofSeconds(30));
        Map<String, JsonNode> nodes = byName(run);
        assertThat(conclusions(nodes.get("h"))).containsExactly("ERROR", "SUCCESS");
        assertThat(conclusions(nodes.get("c"))).containsExactly("SUCCESS");
        assertThat(run.path("outcome").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void exhaustedRetriesFailTheNodeAndSkipDownstream() {
        String body = "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"},{\"name\":\"b\",\"runtime\":\"debug\"},"
                + "{\"name\":\"i\",\"runtime\":\"debug\",\"retry\":{\"fail\":{\"max_attempts\":2}},"
                + "\"metadata\":{\"adagio.arguments.debug.conclusion\":{\"values\":[\"fail\"]}}},"
                + "{\"name\":\"c\",\"runtime\":\"debug\"}],\"edges\":[{\"source\":\"a\",\"destination\":\"i\"},"
                + "{\"source\":\"i\",\"destination\":\"c\"},{\"source\":\"b\",\"destination\":\"c\"}]}}";
        JsonNode run = awaitCompleted(start(body), Duration.ofSeconds(30));
        Map<String, JsonNode> nodes = byName(run);
        assertThat(conclusions(nodes.get("i"))).containsExactly("FAIL", "FAIL");
        assertThat(nodes.get("c").path("attempts")).isEmpty();
        assertThat(nodes.get("c").path("skipped").asBoolean()).isTrue();
    }

    @Test
    void aFanOutOfTwoHundredCompletes() {
        JsonNode run = awaitCompleted(start(Graphs.fanOut(200, "debug")), Duration.ofSeconds(90));
        assertThat(run.path("nodes")).hasSize(201);
        assertThat(run.path("outcome").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void aFanOutOfFiveHundredCompletes() {
        JsonNode run = awaitCompleted(start(Graphs.fanOut(500, "debug")), Duration.ofSeconds(150));
        assertThat(run.path("nodes")).hasSize(501);
        assertThat(run.path("outcome").asString()).isEqualTo("SUCCEEDED");
        Map<String, JsonNode> nodes = byName(run);
        String rootOutput = nodes.get("root").path("attempts").get(0).path("output").asString();
        for (int i = 0; i < 500; i++) {
            JsonNode leaf = nodes.get("leaf-" + i);
            assertThat(conclusions(leaf)).as("leaf-%d", i).containsExactly("SUCCESS");
            assertThat(leaf.path("inputs").path("root").asString()).as("leaf-%d", i).isEqualTo(rootOutput);
        }
    }

    @Test
    void aLayeredDiamondCompletes() {
        JsonNode run = awaitCompleted(start(Graphs.diamond(10, 20, "debug")), Duration.ofSeconds(90));
        Map<String, JsonNode> nodes = byName(run);
        assertThat(nodes).hasSize(200);
        assertThat(nodes.get("l9-0").path("inputs").propertyNames()).hasSize(20);
        assertThat(run.path("outcome").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void aKilledAgentsNodeIsOrphanedRecordedAsErrorAndRunAgain() throws Exception {
        String runtime = "slow-" + UUID.randomUUID().toString().substring(0, 6);
        String id = start("{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"" + runtime + "\",\"retry\":{\"error\":{\"max_attempts\":2}}}]}}");
        SseClient observer = SseClient.open(http, "/v0/agents/observer-" + runtime + "/events?type=NODE_ORPHANED&runtime=" + runtime, null);
        SseClient doomed = SseClient.open(http, "/v0/agents/doomed-" + runtime + "/events?runtime=" + runtime, null);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !doomed.messages.isEmpty() && !observer.messages.isEmpty());
            Http.Reply claim = http.post("/v0/runs/" + id + "/nodes/a/claim", "{\"agent_id\":\"doomed-" + runtime + "\"}");
            assertThat(claim.json().path("claimed").asBoolean()).isTrue();

            long killed = System.nanoTime();
            doomed.close(); // the agent dies: its stream ends, it never heartbeats or unregisters
            await().atMost(TTL.plusSeconds(2)).pollInterval(Duration.ofMillis(20)).until(() -> !observer.of("NODE_ORPHANED").isEmpty());
            assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThanOrEqualTo(TTL.plusSeconds(2));
            assertThat(http.get("/v0/runs/" + id + "/nodes/a").json().path("node").path("status").asString()).isEqualTo("NONE");
        } finally {
            doomed.close();
            observer.close();
        }

        NodeRuntime slow = new NodeRuntime() {
            @Override
            public String name() {
                return runtime;
            }

            @Override
            public Result run(io.adagio.agent.runtime.Task task) {
                return Result.of(Conclusion.SUCCESS, "recovered");
            }
        };
        AgentProperties props = new AgentProperties(URI.create(http.base()), AgentProperties.Transport.HTTP, 1, 2,
                List.of(runtime), "rescuer-" + runtime, Duration.ofMillis(100), Duration.ofSeconds(1),
                new AgentProperties.Exec(false, List.of(), Duration.ofSeconds(5), List.of("PATH"), null), null);
        AgentPool rescuer = new AgentPool(props, List.of(slow),
                agentId -> new HttpControlPlane(URI.create(http.base()), json, Duration.ofSeconds(10)), "HTTP");
        rescuer.start();
        try {
            JsonNode run = awaitCompleted(id, Duration.ofSeconds(30));
            JsonNode a = byName(run).get("a");
            assertThat(conclusions(a)).containsExactly("ERROR", "SUCCESS");
            assertThat(text(a.path("attempts").get(0).path("output"))).isEqualTo("node was orphaned");
            assertThat(text(a.path("attempts").get(1).path("output"))).isEqualTo("recovered");
        } finally {
            rescuer.stop();
        }
    }

    /** Through the pool: a failing node's clean-up (trigger all_done) still runs, and the run ends FAILED. */
    @Test
    void aCleanUpNodeRunsAfterItsUpstreamFailed() {
        String id = start("{\"spec\":{\"nodes\":[{\"name\":\"work\",\"runtime\":\"debug\",\"metadata\":"
                + "{\"adagio.arguments.debug.conclusion\":{\"values\":[\"fail\"]}}},"
                + "{\"name\":\"skipped\",\"runtime\":\"debug\"},"
                + "{\"name\":\"cleanup\",\"runtime\":\"debug\",\"trigger\":\"all_done\"}],"
                + "\"edges\":[{\"source\":\"work\",\"destination\":\"skipped\"},"
                + "{\"source\":\"work\",\"destination\":\"cleanup\"}]}}");
        JsonNode run = awaitCompleted(id, Duration.ofSeconds(30));
        assertThat(run.path("outcome").asString()).isEqualTo("FAILED");
        Map<String, JsonNode> nodes = byName(run);
        assertThat(nodes.get("skipped").path("skipped").asBoolean()).isTrue();
        assertThat(conclusions(nodes.get("cleanup"))).containsExactly("SUCCESS");
        assertThat(nodes.get("cleanup").path("spec").path("trigger").asString()).isEqualTo("all_done");
        assertThat(nodes.get("work").path("spec").has("trigger")).as("the default is not written out").isFalse();
    }

    @Test
    void aRerunIsANewRunOfTheSameGraphThatSaysWhichItReruns() {
        String first = start("{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"},"
                + "{\"name\":\"b\",\"runtime\":\"debug\"}],\"edges\":[{\"source\":\"a\",\"destination\":\"b\"}]}}");
        awaitCompleted(first, Duration.ofSeconds(30));
        Http.Reply rerun = http.post("/v0/runs/" + first + "/rerun", "{}");
        assertThat(rerun.status()).as(rerun.body()).isEqualTo(201);
        String again = rerun.json().path("run").path("id").asString();
        assertThat(again).isNotEqualTo(first);
        assertThat(rerun.header("Location")).endsWith("/v0/runs/" + again);
        assertThat(rerun.json().path("run").path("rerun_of").asString()).isEqualTo(first);
        JsonNode done = awaitCompleted(again, Duration.ofSeconds(30));
        assertThat(done.path("rerun_of").asString()).isEqualTo(first);
        assertThat(done.path("edges")).isEqualTo(http.get("/v0/runs/" + first).json().path("run").path("edges"));
        assertThat(http.post("/v0/runs/01M8EZWBKWQ3B4HPCWA98YT9NB/rerun", "{}").status()).isEqualTo(404);
    }

    @Test
    void aCompletedRunIsDeletedAndARunningOneIsNot() {
        String done = start("{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"}]}}");
        awaitCompleted(done, Duration.ofSeconds(30));
        String slow = start("{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\",\"metadata\":"
                + "{\"adagio.arguments.debug.sleep\":{\"values\":[\"3s\"]}}}]}}");
        Http.Reply refused = http.delete("/v0/runs/" + slow);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().path("type").asString()).endsWith("/run-not-finished");
        assertThat(http.get("/v0/runs/" + slow).status()).isEqualTo(200);

        assertThat(http.delete("/v0/runs/" + done).status()).isEqualTo(204);
        assertThat(http.get("/v0/runs/" + done).status()).isEqualTo(404);
        assertThat(http.get("/v0/runs/" + done + "/nodes/a").status()).isEqualTo(404);
        assertThat(http.delete("/v0/runs/" + done).status()).as("gone already").isEqualTo(404);
        assertThat(http.get("/v0/runs?limit=1000").json().path("runs").findValuesAsString("id")).doesNotContain(done);
    }

    /** The messages of one type about one run, their data as JSON. */
    private static List<JsonNode> about(SseClient stream, String type, String runId) {
        return stream.of(type).stream().map(m -> Http.tree(m.data())).filter(e -> runId.equals(e.path("run_id").asString()))
                .toList();
    }

    /**
     * Observer streams: a run's stream starts with its state (a RUN_STATUS, then a NODE_STATUS per node), follows its
     * changes and ends after the RUN_STATUS that says it completed, so {@code curl -N} follows a run to its end; the
     * stream of every run tells the same changes with cursors, and a reconnect with {@code Last-Event-ID} gets exactly
     * them again.
     */
    @Test
    void observersFollowARunToItsEndAndTheStreamOfEveryRunResumes() throws Exception {
        SseClient all = SseClient.open(http, "/v0/events", null);
        String begin = await().atMost(Duration.ofSeconds(10)).until(all::lastEventId, java.util.Objects::nonNull);
        String id = start("{\"spec\":{\"nodes\":[{\"name\":\"sleeper\",\"runtime\":\"exec\",\"metadata\":{"
                + "\"adagio.arguments.exec.command\":{\"values\":[\"sleep\"]},"
                + "\"adagio.arguments.exec.args\":{\"values\":[\"30\"]}}},"
                + "{\"name\":\"after\",\"runtime\":\"debug\"}],"
                + "\"edges\":[{\"source\":\"sleeper\",\"destination\":\"after\"}]}}");
        await().atMost(Duration.ofSeconds(20)).until(() -> "RUNNING".equals(byName(http.get("/v0/runs/" + id).json()
                .path("run")).get("sleeper").path("status").asString()));

        SseClient one = SseClient.open(http, "/v0/runs/" + id + "/events", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> one.messages.size() >= 3);
        assertThat(one.messages.subList(0, 3)).extracting(m -> m.event() + " " + Http.tree(m.data()).path("run")
                        .path("status").asString() + Http.tree(m.data()).path("node").path("name").asString()
                        + " " + Http.tree(m.data()).path("node").path("status").asString())
                .as("the run's state first").containsExactly("RUN_STATUS RUNNING ", "NODE_STATUS sleeper RUNNING",
                        "NODE_STATUS after WAITING");
        assertThat(one.messages.get(2).id()).as("the state's last message says where it was read").isNotNull();
        assertThat(one.ended()).isFalse();

        Http.Reply cancelled = http.post("/v0/runs/" + id + "/cancel", "{\"grace\":\"0s\"}");
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(one::ended);
        JsonNode last = Http.tree(one.messages.get(one.messages.size() - 1).data());
        assertThat(last.path("type").asString()).as("the stream ends with the run's end").isEqualTo("RUN_STATUS");
        assertThat(last.path("run").path("status").asString()).isEqualTo("COMPLETED");
        assertThat(last.path("run").path("outcome").asString()).isEqualTo("CANCELLED");
        assertThat(last.path("run").path("node_counts").path("completed_count").asInt()).isEqualTo(2);
        assertThat(about(one, "NODE_STATUS", id).subList(2, about(one, "NODE_STATUS", id).size()))
                .extracting(n -> n.path("node").path("name").asString() + " " + n.path("node").path("status").asString()
                        + " " + n.path("node").path("cancelled").asBoolean())
                .as("each change once, after the state").containsOnlyOnce("sleeper COMPLETED true", "after COMPLETED true");

        await().atMost(Duration.ofSeconds(10)).until(() -> about(all, "RUN_STATUS", id).stream()
                .anyMatch(r -> "COMPLETED".equals(r.path("run").path("status").asString())));
        List<SseClient.Message> changes = all.of("NODE_STATUS").stream()
                .filter(m -> id.equals(Http.tree(m.data()).path("run_id").asString())).toList();
        assertThat(changes).extracting(SseClient.Message::id).as("every node change has its cursor").doesNotContainNull();
        assertThat(changes).extracting(m -> Http.tree(m.data()).path("node").path("name").asString() + " "
                        + Http.tree(m.data()).path("node").path("status").asString())
                .as("from the run's start").startsWith("sleeper READY", "after WAITING")
                .contains("sleeper RUNNING", "sleeper COMPLETED", "after COMPLETED");
        assertThat(about(all, "RUN_STATUS", id)).extracting(r -> r.path("run").path("status").asString())
                .as("first seen, then each change of the run").endsWith("COMPLETED").containsOnlyOnce("COMPLETED")
                .first().isIn("WAITING", "RUNNING");

        try (SseClient resumed = SseClient.open(http, "/v0/events", begin)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> resumed.of("NODE_STATUS").stream()
                    .filter(m -> id.equals(Http.tree(m.data()).path("run_id").asString())).count() >= changes.size());
            assertThat(resumed.of("NODE_STATUS").stream().filter(m -> id.equals(Http.tree(m.data()).path("run_id").asString())))
                    .as("the same changes again, after the cursor").containsExactlyElementsOf(changes);
        }
        all.close();

        try (SseClient ended = SseClient.open(http, "/v0/runs/" + id + "/events", null)) {
            await().atMost(Duration.ofSeconds(10)).until(ended::ended);
            assertThat(ended.messages).extracting(SseClient.Message::event)
                    .as("a completed run: its state, then the end").containsExactly("RUN_STATUS", "NODE_STATUS", "NODE_STATUS");
        }
        Http.Reply reconnect = http.send(java.net.http.HttpRequest.newBuilder(http.uri("/v0/runs/" + id + "/events"))
                .header("Last-Event-ID", begin).GET());
        assertThat(reconnect.status()).as("an EventSource reconnecting to a completed run is told to stop").isEqualTo(204);
        Http.Reply unknown = http.get("/v0/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV/events");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("type").asString()).isEqualTo("https://adagio.dev/problems/run-not-found");
        Http.Reply badCursor = http.send(java.net.http.HttpRequest.newBuilder(http.uri("/v0/events"))
                .header("Last-Event-ID", "soon").GET());
        assertThat(badCursor.status()).isEqualTo(400);
        assertThat(badCursor.json().path("type").asString()).isEqualTo("https://adagio.dev/problems/invalid-request");
        Http.Reply agentAsksForObservers = http.get("/v0/agents/nosy/events?type=NODE_STATUS&runtime=debug");
        assertThat(agentAsksForObservers.status()).isEqualTo(400);
    }

    /**
     * A cancel reaches the node an agent runs: its {@code exec} process ({@code sleep 60}) is gone within a second,
     * and the run ends CANCELLED; the node's finish in the grace says so. A cancel of an ended run is a 409 problem.
     */
    @Test
    void aCancelStopsTheRunningExecProcessAndEndsTheRunCancelled() throws Exception {
        String id = start("{\"spec\":{\"nodes\":[{\"name\":\"sleeper\",\"runtime\":\"exec\",\"metadata\":{"
                + "\"adagio.arguments.exec.command\":{\"values\":[\"sleep\"]},"
                + "\"adagio.arguments.exec.args\":{\"values\":[\"60\"]}}},"
                + "{\"name\":\"after\",\"runtime\":\"debug\"}],"
                + "\"edges\":[{\"source\":\"sleeper\",\"destination\":\"after\"}]}}");
        ProcessHandle sleep = await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").matches(".*sleep 60")).findFirst().orElse(null),
                java.util.Objects::nonNull);

        Http.Reply cancelled = http.post("/v0/runs/" + id + "/cancel", "{\"grace\":\"30s\"}");
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().path("run").path("outcome").asString()).isEqualTo("CANCELLED");
        long told = System.nanoTime();
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() -> !sleep.isAlive());
        Duration gone = Duration.ofNanos(System.nanoTime() - told);

        JsonNode run = awaitCompleted(id, Duration.ofSeconds(10));
        assertThat(run.path("outcome").asString()).isEqualTo("CANCELLED");
        Map<String, JsonNode> nodes = byName(run);
        assertThat(nodes.get("sleeper").path("cancelled").asBoolean()).isTrue();
        assertThat(conclusions(nodes.get("sleeper"))).as("stopped, once, not retried (killed in %s)", gone)
                .containsExactly("ERROR");
        assertThat(text(nodes.get("sleeper").path("attempts").get(0).path("output"))).contains("cancelled");
        assertThat(nodes.get("after").path("cancelled").asBoolean()).isTrue();
        assertThat(nodes.get("after").path("attempts")).isEmpty();

        Http.Reply again = http.post("/v0/runs/" + id + "/cancel", "");
        assertThat(again.status()).as("cancelled again: the run, unchanged").isEqualTo(200);
        String done = start(Graphs.single("a"));
        awaitCompleted(done, Duration.ofSeconds(20));
        Http.Reply ended = http.post("/v0/runs/" + done + "/cancel", "{}");
        assertThat(ended.status()).isEqualTo(409);
        assertThat(ended.header("Content-Type")).startsWith("application/problem+json");
        assertThat(ended.json().path("type").asString()).isEqualTo("https://adagio.dev/problems/run-ended");
        assertThat(ended.json().path("outcome").asString()).isEqualTo("SUCCEEDED");
        Http.Reply badGrace = http.post("/v0/runs/" + done + "/cancel", "{\"grace\":\"soon\"}");
        assertThat(badGrace.status()).isEqualTo(400);
        assertThat(badGrace.json().path("type").asString()).isEqualTo("https://adagio.dev/problems/invalid-request");
        assertThat(badGrace.json().path("field").asString()).isEqualTo("grace");
    }

    @Test
    void aForcedDeleteCancelsARunningRunFirst() throws Exception {
        String id = start("{\"spec\":{\"nodes\":[{\"name\":\"sleeper\",\"runtime\":\"exec\",\"metadata\":{"
                + "\"adagio.arguments.exec.command\":{\"values\":[\"sleep\"]},"
                + "\"adagio.arguments.exec.args\":{\"values\":[\"60\"]}}}],\"edges\":[]}}");
        await().atMost(Duration.ofSeconds(20)).until(() ->
                "RUNNING".equals(http.get("/v0/runs/" + id).json().path("run").path("status").asString()));
        Http.Reply refused = http.delete("/v0/runs/" + id);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().path("type").asString()).isEqualTo("https://adagio.dev/problems/run-not-finished");
        assertThat(http.delete("/v0/runs/" + id + "?force=yes").status()).isEqualTo(400);
        Http.Reply forced = http.delete("/v0/runs/" + id + "?force=true");
        assertThat(forced.status()).as(forced.body()).isEqualTo(204);
        assertThat(http.get("/v0/runs/" + id).status()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.current().descendants()
                .noneMatch(p -> p.info().commandLine().orElse("").matches(".*sleep 60")));
    }

    /**
     * A node with a 1 s timeout running {@code sleep 10}, retried once on error: each attempt is finished ERROR
     * "timed out after 1s" (and its process killed, its agent told), the second for good: the run FAILS in a few
     * seconds, not twenty.
     */
    @Test
    void aNodePastItsTimeoutIsTimedOutRetriedAndItsProcessKilled() throws Exception {
        long started = System.nanoTime();
        String id = start("{\"spec\":{\"nodes\":[{\"name\":\"slow\",\"runtime\":\"exec\",\"timeout\":\"1s\","
                + "\"retry\":{\"error\":{\"max_attempts\":2}},\"metadata\":{"
                + "\"adagio.arguments.exec.command\":{\"values\":[\"sleep\"]},"
                + "\"adagio.arguments.exec.args\":{\"values\":[\"10\"]}}}],\"edges\":[]}}");
        JsonNode run = awaitCompleted(id, Duration.ofSeconds(9));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(run.path("outcome").asString()).isEqualTo("FAILED");
        JsonNode slow = byName(run).get("slow");
        assertThat(conclusions(slow)).as("timed out twice in %s", took).containsExactly("ERROR", "ERROR");
        for (JsonNode attempt : slow.path("attempts")) {
            assertThat(text(attempt.path("output"))).isEqualTo("timed out after 1s");
            assertThat(attempt.path("metadata").has("adagio.timed_out")).isTrue();
        }
        await().atMost(Duration.ofSeconds(3)).until(() -> ProcessHandle.current().descendants()
                .noneMatch(p -> p.info().commandLine().orElse("").matches(".*sleep 10")));
    }

    private Http.Reply startWithKey(String method, String key, String body) {
        return http.send(java.net.http.HttpRequest.newBuilder(http.uri("/v0/runs")).header("Content-Type", "application/json")
                .header("Idempotency-Key", key).method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A start repeated with its Idempotency-Key answers the same run; the key with another graph is a 409. */
    @Test
    void aStartRepeatedWithItsIdempotencyKeyAnswersTheSameRun() {
        String key = "e2e-" + System.nanoTime();
        String body = "{\"spec\":{\"nodes\":[{\"name\":\"only\",\"runtime\":\"debug\"}]}}";
        Http.Reply first = startWithKey("POST", key, body);
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(first.header("Idempotent-Replayed")).isNull();
        String id = first.json().path("run").path("id").asString();
        long runs = http.get("/v0/stats").json().path("stats").path("run_count").asLong();

        Http.Reply again = startWithKey("POST", key, body);
        assertThat(again.status()).as("not created again").isEqualTo(200);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.header("Location")).endsWith("/v0/runs/" + id);
        assertThat(again.json().path("run").path("id").asString()).isEqualTo(id);
        Http.Reply put = startWithKey("PUT", key, body);
        assertThat(put.status()).isEqualTo(200);
        assertThat(put.json().path("run").path("id").asString()).isEqualTo(id);

        Http.Reply other = startWithKey("POST", key, "{\"spec\":{\"nodes\":[{\"name\":\"else\",\"runtime\":\"debug\"}]}}");
        assertThat(other.status()).isEqualTo(409);
        assertThat(other.json().path("type").asString()).endsWith("/idempotency-key-reused");
        assertThat(other.json().path("run_id").asString()).isEqualTo(id);
        Http.Reply bad = startWithKey("POST", "two words", body);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("type").asString()).endsWith("/invalid-request");
        assertThat(bad.json().path("parameter").asString()).isEqualTo("Idempotency-Key");
        assertThat(http.get("/v0/stats").json().path("stats").path("run_count").asLong())
                .as("nothing more started").isEqualTo(runs);
    }

    private static String padded(int nodes, int metadataBytes, String runtime) {
        String pad = "x".repeat(metadataBytes);
        StringBuilder b = new StringBuilder("{\"spec\":{\"nodes\":[");
        for (int i = 0; i < nodes; i++) {
            b.append(i == 0 ? "" : ",").append("{\"name\":\"n").append(i).append("\",\"runtime\":\"").append(runtime)
                    .append("\",\"metadata\":{\"pad\":{\"values\":[\"").append(pad).append("\"]}}}");
        }
        return b.append("]}}").toString();
    }

    private void assertTooLarge(Http.Reply r, String field, long limit) {
        assertThat(r.status()).as(r.problem()).isEqualTo(413);
        assertThat(r.problem()).isEqualTo("payload-too-large");
        assertThat(r.json().path("field").asString()).isEqualTo(field);
        assertThat(r.json().path("max_bytes").asLong()).isEqualTo(limit);
    }

    @Test
    void whatIsOverASizeLimitIs413AndChangesNothingTheSameOnEveryBackend() {
        String runtime = "limits-" + UUID.randomUUID().toString().substring(0, 8);
        long runsBefore = http.get("/v0/stats").json().path("stats").path("run_count").asLong();
        assertTooLarge(http.put("/v0/runs", padded(1, 65 * 1024, runtime)), "spec.nodes[0].metadata", 64 * 1024);
        assertTooLarge(http.put("/v0/runs", padded(100, 12 * 1024, runtime)), "spec", 2L * 1024 * 1024);
        assertThat(http.get("/v0/stats").json().path("stats").path("run_count").asLong()).as("nothing stored")
                .isEqualTo(runsBefore);

        String agent = "limits-agent-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(http.put("/v0/agents/" + agent, "{\"runtimes\":[{\"name\":\"" + runtime + "\"}]}").status()).isEqualTo(200);
        String run = start(padded(1, 10, runtime));
        String claim = http.post("/v0/runs/" + run + "/nodes/n0/claim", "{\"agent_id\":\"" + agent + "\"}")
                .json().path("claim").path("id").asString();
        String bigOutput = Base64.getEncoder().encodeToString(new byte[3 * 1024 * 1024]);
        assertTooLarge(http.post("/v0/runs/" + run + "/nodes/n0/finish", "{\"claim\":{\"id\":\"" + claim
                + "\"},\"result\":{\"conclusion\":\"SUCCESS\",\"output\":\"" + bigOutput.substring(0, 1_500_000) + "\"}}"),
                "result.output", 1024 * 1024);
        assertTooLarge(http.post("/v0/runs/" + run + "/nodes/n0/finish", "{\"claim\":{\"id\":\"" + claim
                + "\"},\"result\":{\"conclusion\":\"SUCCESS\",\"metadata\":{\"m\":{\"values\":[\"" + "y".repeat(70_000)
                + "\"]}}}}"), "result.metadata", 64 * 1024);
        JsonNode node = http.get("/v0/runs/" + run + "/nodes/n0").json().path("node");
        assertThat(node.path("status").asString()).as("the node is unaffected").isEqualTo("RUNNING");
        assertThat(node.path("attempts")).isEmpty();
        assertThat(http.post("/v0/runs/" + run + "/nodes/n0/finish", "{\"claim\":{\"id\":\"" + claim
                + "\"},\"result\":{\"conclusion\":\"SUCCESS\",\"output_text\":\"within limits\"}}").status())
                .as("a finish within the limits still succeeds").isEqualTo(200);
        http.delete("/v0/agents/" + agent);
    }
}
