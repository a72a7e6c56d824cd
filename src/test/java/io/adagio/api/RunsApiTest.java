package io.adagio.api;

import io.adagio.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control-plane API over real HTTP on a real server (memory backend, no agents): starting the original's
 * examples, listing, inspecting, stats, the DOT graph, and a problem for every kind of bad input — which
 * changes nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "adagio.mode=api")
class RunsApiTest {
    @LocalServerPort
    int port;
    Http http;

    @BeforeEach
    void client() {
        http = new Http(port);
    }

    static String example(String name) throws IOException {
        return Files.readString(Path.of("examples", name));
    }

    static String wrap(String graph) {
        return "{\"spec\": " + graph + "}";
    }

    @Test
    void theOriginalsExampleStartsWaitingWithItsRootsReady() throws IOException {
        JsonNode before = http.get("/v0/stats").json().path("stats");
        Http.Reply r = http.put("/v0/runs", wrap(example("example.json")));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("application/json");
        JsonNode run = r.json().path("run");
        String id = run.path("id").asString();
        assertThat(id).matches("[0-9A-HJKMNP-TV-Z]{26}");
        assertThat(run.path("status").asString()).isEqualTo("WAITING");
        assertThat(run.path("created_at").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
        Map<String, String> states = new java.util.TreeMap<>();
        run.path("nodes").forEach(n -> states.put(n.path("spec").path("name").asString(), n.path("status").asString()));
        assertThat(states).containsExactlyInAnyOrderEntriesOf(Map.of("a", "READY", "b", "READY", "c", "WAITING",
                "d", "WAITING", "e", "WAITING", "f", "WAITING", "g", "WAITING"));
        assertThat(run.path("edges")).hasSize(8);
        assertThat(run.path("edges").get(0).path("source").asString()).isEqualTo("a");
        assertThat(r.json().path("warnings").toString()).contains("debug", "exec");

        assertThat(http.get("/v0/runs").json().path("runs").findValuesAsString("id")).contains(id);
        assertThat(http.get("/v0/runs/" + id).json().path("run").path("id").asString()).isEqualTo(id);
        JsonNode after = http.get("/v0/stats").json().path("stats");
        assertThat(after.path("run_count").asLong()).isEqualTo(before.path("run_count").asLong() + 1);
        assertThat(after.path("node_counts").path("ready_count").asLong())
                .isEqualTo(before.path("node_counts").path("ready_count").asLong() + 2);
        assertThat(after.path("node_counts").path("waiting_count").asLong())
                .isEqualTo(before.path("node_counts").path("waiting_count").asLong() + 5);

        Http.Reply node = http.get("/v0/runs/" + id + "/nodes/d");
        assertThat(node.json().path("node").path("status").asString()).isEqualTo("WAITING");
    }

    @Test
    void everyExampleVariantIsAccepted() throws IOException {
        for (String f : List.of("example.json", "example-error.json", "example-failure.json", "example-flaky.json",
                "example-panic.json")) {
            Http.Reply r = http.put("/v0/runs", wrap(example(f)));
            assertThat(r.status()).as(f).isEqualTo(200);
            assertThat(r.json().path("run").path("nodes")).as(f).hasSize(7);
        }
        Http.Reply flaky = http.put("/v0/runs", example("example-flaky.json"));
        assertThat(flaky.status()).as("a bare graph is accepted too").isEqualTo(200);
        JsonNode d = flaky.json().path("run").path("nodes").get(3).path("spec");
        assertThat(d.path("retry").path("fail").path("max_attempts").asInt()).isEqualTo(3);
        assertThat(d.path("metadata").path("adagio.runtime.debug.chances").path("values").get(0).asString()).isEqualTo("0.5 fail");
    }

    @Test
    void theApiDescriptionIsServed() throws IOException {
        Http.Reply r = http.get("/openapi.yaml");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(Files.readString(Path.of("openapi.yaml")));
    }

    @Test
    void postCreatesWithALocation() throws IOException {
        Http.Reply r = http.post("/v0/runs", wrap(example("example.json")));
        assertThat(r.status()).isEqualTo(201);
        String id = r.json().path("run").path("id").asString();
        assertThat(r.header("Location")).endsWith("/v0/runs/" + id);
        assertThat(http.send(HttpRequest.newBuilder(java.net.URI.create(r.header("Location"))).GET()).status()).isEqualTo(200);
    }

    @Test
    void numbersAreAcceptedAsStringsAsTheOriginalWritesThem() {
        Http.Reply r = http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\",\"retry\":{\"error\":{\"max_attempts\":\"2\"}}}]}}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("run").path("nodes").get(0).path("spec").path("retry").path("error").path("max_attempts").asInt()).isEqualTo(2);
    }

    @Test
    void theGraphIsValidDotColouredByState() throws IOException {
        String id = http.put("/v0/runs", wrap(example("example.json"))).json().path("run").path("id").asString();
        Http.Reply r = http.get("/v0/runs/" + id + "/graph");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/vnd.graphviz");
        String dot = r.body();
        assertThat(dot).startsWith("digraph \"run " + id + "\" {").endsWith("}\n");
        assertThat(dot).contains("\"a\" -> \"c\";", "\"f\" -> \"g\";", "\"a\" [label=\"a\\ndebug\\nREADY\", fillcolor=\"lightyellow\"]");
        assertThat(dot.chars().filter(c -> c == '{').count()).isEqualTo(dot.chars().filter(c -> c == '}').count());
        assertThat(dot.lines().filter(l -> l.contains("->")).count()).isEqualTo(8);
    }

    @Test
    void listTakesTheOriginalsPredicates() throws IOException {
        List<String> ids = new ArrayList<>();
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode run = http.put("/v0/runs", wrap(example("example.json"))).json().path("run");
            ids.add(run.path("id").asString());
            java.time.Instant t = java.time.Instant.parse(run.path("created_at").asString());
            nanos.add(t.getEpochSecond() * 1_000_000_000L + t.getNano());
        }
        List<String> limited = http.get("/v0/runs?limit=2").json().path("runs").findValuesAsString("id");
        assertThat(limited).hasSize(2);
        List<String> window = http.get("/v0/runs?start_ns=" + nanos.get(1) + "&finish_ns=" + nanos.get(0))
                .json().path("runs").findValuesAsString("id");
        assertThat(window).containsExactly(ids.get(1), ids.get(0));
        List<String> asStrings = http.get("/v0/runs?start_ns=" + nanos.get(2) + "&finish_ns=" + nanos.get(2) + "&limit=100")
                .json().path("runs").findValuesAsString("id");
        assertThat(asStrings).containsExactly(ids.get(2));
    }

    static Stream<Arguments> badInputs() {
        String longName = "n".repeat(257);
        StringBuilder many = new StringBuilder("{\"spec\":{\"nodes\":[");
        for (int i = 0; i <= 10_000; i++) {
            many.append(i == 0 ? "" : ",").append("{\"name\":\"n").append(i).append("\",\"runtime\":\"debug\"}");
        }
        many.append("]}}");
        return Stream.of(
                Arguments.of("cycle", graph("[" + node("a") + "," + node("b") + "," + node("c") + "]", "[" + edge("a", "b") + "," + edge("b", "c") + "," + edge("c", "a") + "]"), 400, "cycle"),
                Arguments.of("self-loop", graph("[" + node("a") + "]", "[" + edge("a", "a") + "]"), 400, "cycle"),
                Arguments.of("duplicate names", graph("[" + node("a") + "," + node("a") + "]", "[]"), 400, "duplicate-node"),
                Arguments.of("edge to unknown node", graph("[" + node("a") + "]", "[" + edge("a", "zz") + "]"), 400, "unknown-node"),
                Arguments.of("duplicate edge", graph("[" + node("a") + "," + node("b") + "]", "[" + edge("a", "b") + "," + edge("a", "b") + "]"), 400, "duplicate-edge"),
                Arguments.of("empty graph", graph("[]", "[]"), 400, "empty-graph"),
                Arguments.of("no spec at all", "{}", 400, "empty-graph"),
                Arguments.of("node without name", graph("[{\"runtime\":\"debug\"}]", "[]"), 400, "missing-name"),
                Arguments.of("node without runtime", graph("[{\"name\":\"a\"}]", "[]"), 400, "missing-runtime"),
                Arguments.of("empty name", graph("[" + node("") + "]", "[]"), 400, "invalid-name"),
                Arguments.of("name over 256 bytes", graph("[" + node(longName) + "]", "[]"), 400, "invalid-name"),
                Arguments.of("name with a slash", graph("[" + node("a/b") + "]", "[]"), 400, "invalid-name"),
                Arguments.of("name with a control character", graph("[" + node("a\\u0007") + "]", "[]"), 400, "invalid-name"),
                Arguments.of("name with a bidi override", graph("[" + node("a\\u202e") + "]", "[]"), 400, "invalid-name"),
                Arguments.of("unknown retry condition", graph("[{\"name\":\"a\",\"runtime\":\"debug\",\"retry\":{\"panic\":{\"max_attempts\":2}}}]", "[]"), 400, "invalid-retry"),
                Arguments.of("max_attempts below one", graph("[{\"name\":\"a\",\"runtime\":\"debug\",\"retry\":{\"fail\":{\"max_attempts\":0}}}]", "[]"), 400, "invalid-retry"),
                Arguments.of("unknown trigger", graph("[{\"name\":\"a\",\"runtime\":\"debug\",\"trigger\":\"one_failed\"}]", "[]"), 400, "invalid-trigger"),
                Arguments.of("unparsable JSON", "{\"spec\": {\"nodes\": [", 400, "malformed-request"),
                Arguments.of("nodes of the wrong type", "{\"spec\": {\"nodes\": \"a\"}}", 400, "malformed-request"),
                Arguments.of("runtime of the wrong type", graph("[{\"name\":\"a\",\"runtime\":5}]", "[]"), 400, "malformed-request"),
                Arguments.of("max_attempts not a number", graph("[{\"name\":\"a\",\"runtime\":\"debug\",\"retry\":{\"fail\":{\"max_attempts\":\"many\"}}}]", "[]"), 400, "malformed-request"),
                Arguments.of("more nodes than the limit", many.toString(), 400, "too-many-nodes"));
    }

    private static String graph(String nodes, String edges) {
        return "{\"spec\":{\"nodes\":" + nodes + ",\"edges\":" + edges + "}}";
    }

    private static String node(String name) {
        return "{\"name\":\"" + name + "\",\"runtime\":\"debug\"}";
    }

    private static String edge(String s, String d) {
        return "{\"source\":\"" + s + "\",\"destination\":\"" + d + "\"}";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badGraphsAreProblemsAndChangeNothing(String what, String body, int status, String type) {
        String before = http.get("/v0/stats").body();
        Http.Reply r = http.put("/v0/runs", body);
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.problem()).isEqualTo(type);
        assertThat(r.json().path("type").asString()).isEqualTo("https://adagio.dev/problems/" + type);
        assertThat(r.json().path("status").asInt()).isEqualTo(status);
        assertThat(r.json().path("detail").asString()).isNotBlank().doesNotContain("tools.jackson", "Exception");
        assertThat(http.get("/v0/stats").body()).isEqualTo(before);
    }

    @Test
    void aCycleNamesItsPath() {
        Http.Reply r = http.put("/v0/runs", graph("[" + node("a") + "," + node("b") + "," + node("c") + "," + node("d") + "]",
                "[" + edge("a", "b") + "," + edge("b", "c") + "," + edge("c", "d") + "," + edge("d", "b") + "]"));
        List<String> cycle = new ArrayList<>();
        r.json().path("cycle").forEach(n -> cycle.add(n.asString()));
        assertThat(cycle).hasSize(4);
        assertThat(cycle.get(0)).isEqualTo(cycle.get(3));
        assertThat(cycle.subList(0, 3)).containsExactlyInAnyOrder("b", "c", "d");
        assertThat(String.join(">", cycle)).isIn("b>c>d>b", "c>d>b>c", "d>b>c>d");
    }

    @Test
    void offendingNodesAreNamed() {
        Http.Reply dup = http.put("/v0/runs", graph("[" + node("x") + "," + node("x") + "," + node("y") + "]", "[]"));
        assertThat(dup.json().path("nodes").get(0).asString()).isEqualTo("x");
        Http.Reply unknown = http.put("/v0/runs", graph("[" + node("x") + "]", "[" + edge("x", "ghost") + "]"));
        assertThat(unknown.json().path("edges").get(0).path("destination").asString()).isEqualTo("ghost");
    }

    @Test
    void tooLargeBodiesAre413() {
        String before = http.get("/v0/stats").body();
        String big = "{\"spec\":{\"nodes\":[" + ("{\"name\":\"n\",\"runtime\":\"" + "x".repeat(1000) + "\"},").repeat(4300) + "]}}";
        Http.Reply r = http.put("/v0/runs", big);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.problem()).isEqualTo("payload-too-large");
        Http.Reply chunked = http.send(HttpRequest.newBuilder(http.uri("/v0/runs")).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big.getBytes()))));
        assertThat(chunked.status()).isEqualTo(413);
        assertThat(chunked.problem()).isEqualTo("payload-too-large");
        assertThat(http.get("/v0/stats").body()).isEqualTo(before);
    }

    @Test
    void wrongMethodsMediaTypesAndUnknownThingsAreProblems() {
        Http.Reply notAllowed = http.post("/v0/stats", "{}");
        assertThat(notAllowed.status()).isEqualTo(405);
        assertThat(notAllowed.problem()).isEqualTo("method-not-allowed");
        assertThat(http.delete("/v0/runs").status()).isEqualTo(405);

        Http.Reply media = http.send(HttpRequest.newBuilder(http.uri("/v0/runs")).header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofString("a -> b")));
        assertThat(media.status()).isEqualTo(415);
        assertThat(media.problem()).isEqualTo("unsupported-media-type");

        Http.Reply run = http.get("/v0/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV");
        assertThat(run.status()).isEqualTo(404);
        assertThat(run.problem()).isEqualTo("run-not-found");
        assertThat(http.get("/v0/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV/graph").problem()).isEqualTo("run-not-found");

        String id = http.put("/v0/runs", graph("[" + node("a") + "]", "[]")).json().path("run").path("id").asString();
        Http.Reply node = http.get("/v0/runs/" + id + "/nodes/zz");
        assertThat(node.status()).isEqualTo(404);
        assertThat(node.problem()).isEqualTo("node-not-found");

        Http.Reply slash = http.get("/v0/runs/" + id + "/nodes/a%2Fb");
        assertThat(slash.status()).isEqualTo(404);
        assertThat(slash.contentType()).as("not Tomcat's HTML page").startsWith("application/problem+json");
        assertThat(slash.problem()).isEqualTo("node-not-found");
        Http.Reply agentSlash = http.put("/v0/agents/a%2Fb", "{\"runtimes\":[{\"name\":\"debug\"}]}");
        assertThat(agentSlash.status()).isEqualTo(400);
        assertThat(agentSlash.contentType()).startsWith("application/problem+json");
        assertThat(agentSlash.problem()).isEqualTo("invalid-request");

        Http.Reply path = http.get("/v0/nothing-here");
        assertThat(path.status()).isEqualTo(404);
        assertThat(path.contentType()).startsWith("application/problem+json");

        Http.Reply badLimit = http.get("/v0/runs?limit=lots");
        assertThat(badLimit.status()).isEqualTo(400);
        assertThat(badLimit.problem()).isEqualTo("invalid-request");
        assertThat(http.get("/v0/runs?start_ns=-5").status()).isEqualTo(400);
    }
}
