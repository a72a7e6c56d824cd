package io.adagio.api;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.MessageResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.schema.SchemaValidator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.adagio.engine.GraphViolation;
import io.adagio.support.Http;
import io.adagio.support.SseClient;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Keeps openapi.yaml true: a scripted scenario of real HTTP requests (success and error paths of every
 * endpoint) whose every request/response pair is validated against the file with Atlassian's
 * swagger-request-validator; every operation of the file must be exercised, and every problem type the code
 * knows must be documented.
 *
 * <p>The validator (2.46.0) parses OpenAPI 3.1 but validates 3.1 schemas with its draft-04 engine, which
 * silently drops {@code type} (swagger-parser keeps 3.1 types in a set the validator does not read): a 3.1
 * document "passes" with wrong types. So the test keeps the file at 3.1.0 and validates with a 3.0.3 copy
 * made here: the file uses no construct that 3.0 cannot express except the ones removed below (schema
 * {@code examples} arrays become {@code example}; {@code contentEncoding} and {@code propertyNames} are
 * dropped; {@code info.summary} and {@code info.license.identifier} are dropped).
 */
@Timeout(300)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"adagio.mode=api",
        "adagio.sse.heartbeat=1s"})
class OpenApiConformanceTest {
    private static final Path SPEC = Path.of("openapi.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    private static final String ULID_NOBODY = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

    /** How the spec must judge a request. */
    enum Req {
        /** The spec accepts the request: request and response are validated together. */
        VALID,
        /** The server refuses the request and the spec says it is invalid too: the validator must flag it. */
        INVALID,
        /** Not judged (the spec cannot say, e.g. a body too large); only the response is validated. */
        ANY
    }

    @LocalServerPort
    int port;
    Http http;
    JsonNode tree;
    OpenAPI api;
    OpenApiInteractionValidator validator;
    SchemaValidator schemas;
    /** path template → its regex, and → its methods (upper case). */
    final Map<String, Pattern> templates = new LinkedHashMap<>();
    final Map<String, Set<String>> specOperations = new TreeMap<>();
    final Set<String> exercised = new TreeSet<>();
    final List<String> failures = new ArrayList<>();
    final List<SseClient> streams = new ArrayList<>();

    @BeforeEach
    void load() throws IOException {
        http = new Http(port);
        tree = YAML.readTree(SPEC.toFile());
        assertThat(tree.path("openapi").asText()).isEqualTo("3.1.0");
        String v30 = YAML.writeValueAsString(downgrade(tree.deepCopy()));
        validator = OpenApiInteractionValidator.createForInlineApiSpecification(v30).build();
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        var parsed = new OpenAPIV3Parser().readContents(v30, null, options);
        assertThat(parsed.getMessages()).as("the 3.0 copy parses cleanly").isEmpty();
        api = parsed.getOpenAPI();
        schemas = new SchemaValidator(api, new MessageResolver());
        tree.path("paths").fields().forEachRemaining(e -> {
            templates.put(e.getKey(), Pattern.compile(e.getKey().replaceAll("\\{[^}]+}", "[^/]+")));
            Set<String> ms = new TreeSet<>();
            e.getValue().fieldNames().forEachRemaining(m -> {
                if (METHODS.contains(m)) {
                    ms.add(m.toUpperCase(Locale.ROOT));
                }
            });
            specOperations.put(e.getKey(), ms);
        });
    }

    @AfterEach
    void closeStreams() {
        streams.forEach(SseClient::close);
    }

    // ---- the 3.1 → 3.0 copy ---------------------------------------------------------------------------

    /** Rewrites the parsed 3.1 document into the 3.0.3 the validator understands (see the class comment). */
    static JsonNode downgrade(JsonNode doc) {
        ObjectNode root = (ObjectNode) doc;
        root.put("openapi", "3.0.3");
        ObjectNode info = (ObjectNode) root.path("info");
        info.remove("summary");
        if (info.path("license") instanceof ObjectNode license) {
            license.remove("identifier");
        }
        walk(root, false);
        return root;
    }

    /** Visits every node; {@code schema} says whether this node is a Schema Object. */
    private static void walk(JsonNode node, boolean schema) {
        if (node instanceof ArrayNode array) {
            array.forEach(n -> walk(n, schema));
            return;
        }
        if (!(node instanceof ObjectNode o)) {
            return;
        }
        if (schema) {
            if (o.get("examples") instanceof ArrayNode ex) {
                o.remove("examples");
                if (!ex.isEmpty()) {
                    o.set("example", ex.get(0));
                }
            }
            o.remove("contentEncoding");
            o.remove("propertyNames");
            for (String k : List.of("items", "not")) {
                walk(o.get(k), true);
            }
            if (o.get("additionalProperties") instanceof ObjectNode ap) {
                walk(ap, true);
            }
            for (String k : List.of("allOf", "anyOf", "oneOf")) {
                walk(o.get(k), true);
            }
            if (o.get("properties") instanceof ObjectNode props) {
                props.forEach(p -> walk(p, true));
            }
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            switch (e.getKey()) {
                case "example", "examples" -> {
                    // example values are data, not schemas
                }
                case "schema" -> walk(e.getValue(), true);
                case "schemas" -> e.getValue().forEach(s -> walk(s, true));
                default -> walk(e.getValue(), false);
            }
        }
    }

    // ---- exchanges ------------------------------------------------------------------------------------

    private Http.Reply call(Req mode, String method, String pathAndQuery, String contentType, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(http.uri(pathAndQuery));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        Http.Reply reply = http.send(b);
        check(mode, method, pathAndQuery, contentType, body, headers, reply);
        return reply;
    }

    private Http.Reply get(Req mode, String pathAndQuery, String... headers) {
        return call(mode, "GET", pathAndQuery, null, null, headers);
    }

    private Http.Reply put(Req mode, String path, String json) {
        return call(mode, "PUT", path, "application/json", json);
    }

    private Http.Reply post(Req mode, String path, String json) {
        return call(mode, "POST", path, json == null ? null : "application/json", json);
    }

    private void check(Req mode, String method, String pathAndQuery, String contentType, String body, String[] headers, Http.Reply reply) {
        Request request = request(method, pathAndQuery, contentType, body, headers);
        SimpleResponse.Builder rb = new SimpleResponse.Builder(reply.status());
        reply.raw().headers().map().forEach(rb::withHeader);
        if (!reply.body().isEmpty()) {
            rb.withBody(reply.body());
        }
        check(mode, request, rb.build(), method + " " + pathAndQuery + " → " + reply.status() + " " + abbreviate(reply.body()));
    }

    private void check(Req mode, Request request, SimpleResponse response, String label) {
        String path = request.getPath();
        String op = operation(request.getMethod().name(), path);
        if (op == null) {
            failures.add(label + ": not an operation of openapi.yaml");
            return;
        }
        exercised.add(op);
        ValidationReport report;
        if (mode == Req.VALID) {
            report = validator.validate(request, response);
        } else {
            if (mode == Req.INVALID && !validator.validateRequest(request).hasErrors()) {
                failures.add(label + ": the server refused the request but openapi.yaml accepts it");
            }
            report = validator.validateResponse(path, request.getMethod(), response);
        }
        if (report.hasErrors()) {
            failures.add(label + ":\n    " + messages(report));
        }
    }

    private static Request request(String method, String pathAndQuery, String contentType, String body, String[] headers) {
        URI uri = URI.create(pathAndQuery);
        SimpleRequest.Builder b = new SimpleRequest.Builder(method, uri.getRawPath());
        if (uri.getRawQuery() != null) {
            Map<String, List<String>> query = new LinkedHashMap<>();
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            }
            query.forEach(b::withQueryParam);
        }
        if (contentType != null) {
            b.withContentType(contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.withHeader(headers[i], headers[i + 1]);
        }
        if (body != null && !body.isEmpty()) {
            b.withBody(body);
        }
        return b.build();
    }

    /** "METHOD /template" of the spec's operation for a concrete path, or null. */
    private String operation(String method, String rawPath) {
        for (Map.Entry<String, Pattern> t : templates.entrySet()) {
            if (t.getValue().matcher(rawPath).matches() && specOperations.get(t.getKey()).contains(method)) {
                return method + " " + t.getKey();
            }
        }
        return null;
    }

    private String template(String rawPath) {
        return templates.entrySet().stream().filter(t -> t.getValue().matcher(rawPath).matches())
                .map(Map.Entry::getKey).findFirst().orElse(null);
    }

    private static String messages(ValidationReport report) {
        return report.getMessages().stream()
                .map(m -> m.getLevel() + " " + m.getKey() + ": " + m.getMessage()
                        + (m.getAdditionalInfo().isEmpty() ? "" : " " + m.getAdditionalInfo()))
                .collect(Collectors.joining("\n    "));
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }

    /** Validates a JSON value against a named schema of the file. */
    private void schema(String name, String json, String label) {
        Schema<?> ref = new Schema<>().$ref("#/components/schemas/" + name);
        ValidationReport r = schemas.validate(json, ref, name);
        if (r.hasErrors()) {
            failures.add(label + " is not a " + name + ": " + json + "\n    " + messages(r));
        }
    }

    /** A refusal that no operation of the file describes (unknown path, method not allowed): a Problem. */
    private void problemOutsideOperations(Http.Reply reply, int status, String type, String label) {
        if (reply.status() != status || !reply.contentType().startsWith("application/problem+json")
                || !reply.problem().equals(type)) {
            failures.add(label + ": expected " + status + " " + type + " as application/problem+json, got "
                    + reply.status() + " " + reply.contentType() + " " + abbreviate(reply.body()));
        }
        schema("Problem", reply.body(), label);
    }

    private void expect(Http.Reply reply, int status, String problem, String label) {
        if (reply.status() != status || (problem != null && !reply.problem().equals(problem))) {
            failures.add(label + ": expected " + status + (problem == null ? "" : " " + problem) + ", got "
                    + reply.status() + " " + abbreviate(reply.body()));
        }
    }

    // ---- the scenario -----------------------------------------------------------------------------------

    private static String example(String name) throws IOException {
        return Files.readString(Path.of("examples", name));
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

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static long nanos(String instant) {
        java.time.Instant t = java.time.Instant.parse(instant);
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Test
    void everyExchangeOfTheScenarioConformsToOpenApiYaml() throws Exception {
        runs();
        graphProblems();
        protocolErrors();
        agents();
        claimsAndFinishes();
        eventStream();
        observerStreams();
        operations();

        assertThat(failures).as("exchanges that do not conform to openapi.yaml:\n" + String.join("\n", failures)).isEmpty();

        Set<String> declared = new TreeSet<>();
        specOperations.forEach((path, methods) -> methods.forEach(m -> declared.add(m + " " + path)));
        Set<String> notExercised = new TreeSet<>(declared);
        notExercised.removeAll(exercised);
        notExercised.removeIf(op -> op.contains(" /actuator/"));
        assertThat(notExercised).as("operations of openapi.yaml the scenario never called (do they exist?)").isEmpty();
    }

    private void runs() throws IOException {
        get(Req.VALID, "/v0/stats");
        Http.Reply started = put(Req.VALID, "/v0/runs", "{\"spec\": " + example("example.json") + "}");
        expect(started, 200, null, "start");
        assertThat(started.json().path("warnings").toString()).contains("exec");
        String id = started.json().path("run").path("id").asString();
        long createdNs = nanos(started.json().path("run").path("created_at").asString());

        expect(put(Req.VALID, "/v0/runs", example("example-flaky.json")), 200, null, "bare graph");
        expect(put(Req.VALID, "/v0/runs", graph("[{\"name\":\"a\",\"runtime\":\"debug\",\"retry\":{\"error\":{\"max_attempts\":\"2\"}}}]", "[]")),
                200, null, "max_attempts as a string");
        expect(put(Req.VALID, "/v0/runs", graph("[{\"name\":\"a\",\"runtime\":\"debug\",\"timeout\":\"1.5s\",\"retry\":"
                + "{\"error\":{\"max_attempts\":3,\"backoff\":{\"initial\":\"1s\",\"multiplier\":2,\"max\":\"1m\",\"jitter\":0.2}}}}]", "[]")),
                200, null, "a timeout and a backoff");
        expect(put(Req.INVALID, "/v0/runs", graph("[{\"name\":\"a\",\"runtime\":\"debug\",\"timeout\":\"soon\"}]", "[]")),
                400, "invalid-timeout", "a timeout that is no duration");
        Http.Reply timed = put(Req.VALID, "/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"nobody\"}],"
                + "\"edges\":[]},\"deadline\":\"24h\",\"ttl\":\"168h\"}");
        expect(timed, 200, null, "a run with a deadline and a ttl");
        assertThat(timed.json().path("run").path("deadline").asString()).isEqualTo("24h");
        expect(put(Req.INVALID, "/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"nobody\"}],"
                + "\"edges\":[]},\"ttl\":\"forever\"}"), 400, "invalid-request", "a ttl that is no duration");

        Http.Reply created = post(Req.VALID, "/v0/runs", "{\"spec\": " + example("example.json") + "}");
        expect(created, 201, null, "POST");
        String location = created.header("Location");
        assertThat(location).endsWith("/v0/runs/" + created.json().path("run").path("id").asString());
        get(Req.VALID, URI.create(location).getRawPath());

        String once = "{\"spec\": " + example("example.json") + "}";
        String key = "conformance-" + System.nanoTime();
        expect(call(Req.VALID, "POST", "/v0/runs", "application/json", once, "Idempotency-Key", key), 201, null, "keyed POST");
        expect(call(Req.VALID, "POST", "/v0/runs", "application/json", once, "Idempotency-Key", key), 200, null, "repeated POST");
        expect(call(Req.VALID, "PUT", "/v0/runs", "application/json", once, "Idempotency-Key", key), 200, null, "repeated PUT");
        expect(call(Req.VALID, "PUT", "/v0/runs", "application/json", graph("[{\"name\":\"z\",\"runtime\":\"debug\"}]", "[]"),
                "Idempotency-Key", key), 409, "idempotency-key-reused", "key with another graph");
        expect(call(Req.INVALID, "PUT", "/v0/runs", "application/json", once, "Idempotency-Key", "has space"), 400,
                "invalid-request", "a key with a space");

        get(Req.VALID, "/v0/runs");
        get(Req.VALID, "/v0/runs?limit=2");
        get(Req.VALID, "/v0/runs?limit=0");
        Http.Reply window = get(Req.VALID, "/v0/runs?start_ns=" + createdNs + "&finish_ns=" + createdNs + "&limit=100");
        assertThat(window.json().path("runs").findValuesAsString("id")).containsExactly(id);
        get(Req.VALID, "/v0/runs?start_ns=0&finish_ns=0");
        String stuck = put(Req.VALID, "/v0/runs", graph("[{\"name\":\"s\",\"runtime\":\"nobody-offers-it\"}]", "[]"))
                .json().path("run").path("id").asString();
        expect(call(Req.VALID, "DELETE", "/v0/runs/" + stuck, null, null), 409, "run-not-finished", "delete a run not done");
        expect(post(Req.VALID, "/v0/runs/" + stuck + "/nodes/s/skip", "{\"output_text\":\"by hand\"}"), 200, null, "complete by hand");
        expect(post(Req.VALID, "/v0/runs/" + stuck + "/nodes/s/skip", "{}"), 409, "node-not-skippable", "complete twice");
        Http.Reply rerun = post(Req.VALID, "/v0/runs/" + stuck + "/rerun", null);
        expect(rerun, 201, null, "rerun");
        assertThat(rerun.json().path("run").path("rerun_of").asString()).isEqualTo(stuck);
        expect(call(Req.VALID, "DELETE", "/v0/runs/" + stuck, null, null), 204, null, "delete a completed run");
        expect(post(Req.VALID, "/v0/runs/" + stuck + "/rerun", null), 404, "run-not-found", "rerun a deleted run");
        expect(call(Req.VALID, "DELETE", "/v0/runs/01M8EZWBKWQ3B4HPCWA98YT9NB", null, null), 404, "run-not-found",
                "delete an unknown run");
        String toCancel = put(Req.VALID, "/v0/runs", graph("[{\"name\":\"w\",\"runtime\":\"nobody-offers-it\"}]", "[]"))
                .json().path("run").path("id").asString();
        expect(post(Req.INVALID, "/v0/runs/" + toCancel + "/cancel", "{\"grace\":\"later\"}"), 400, "invalid-request",
                "a grace that is no duration");
        Http.Reply cancelled = post(Req.VALID, "/v0/runs/" + toCancel + "/cancel", "{\"grace\":\"0s\"}");
        expect(cancelled, 200, null, "cancel");
        assertThat(cancelled.json().path("run").path("outcome").asString()).isEqualTo("CANCELLED");
        expect(post(Req.VALID, "/v0/runs/" + toCancel + "/cancel", null), 200, null, "cancel again");
        String ended = put(Req.VALID, "/v0/runs", graph("[{\"name\":\"w\",\"runtime\":\"nobody-offers-it\"}]", "[]"))
                .json().path("run").path("id").asString();
        expect(post(Req.VALID, "/v0/runs/" + ended + "/nodes/w/skip", "{}"), 200, null, "complete by hand");
        expect(post(Req.VALID, "/v0/runs/" + ended + "/cancel", "{}"), 409, "run-ended", "cancel an ended run");
        expect(post(Req.VALID, "/v0/runs/" + ended + "/pause", null), 409, "run-ended", "pause an ended run");
        expect(post(Req.VALID, "/v0/runs/" + ended + "/retry", null), 409, "run-not-retryable", "retry a run that succeeded");
        expect(post(Req.VALID, "/v0/runs/" + ended + "/retry", "{\"nodes\":[\"w\"]}"), 409, "node-not-retryable",
                "retry a node that succeeded");
        expect(post(Req.VALID, "/v0/runs/" + ended + "/retry", "{\"nodes\":[\"zz\"]}"), 404, "node-not-found",
                "retry an unknown node");
        expect(post(Req.INVALID, "/v0/runs/" + ended + "/retry", "{\"nodes\":[\"\"]}"), 400, "invalid-request",
                "retry a blank name");
        Http.Reply retried = post(Req.VALID, "/v0/runs/" + toCancel + "/retry", "{}");
        expect(retried, 200, null, "retry a cancelled run");
        assertThat(retried.json().path("run").path("nodes").get(0).path("status").asString()).isEqualTo("READY");
        expect(post(Req.VALID, "/v0/runs/01M8EZWBKWQ3B4HPCWA98YT9NB/cancel", "{}"), 404, "run-not-found",
                "cancel an unknown run");
        String forced = put(Req.VALID, "/v0/runs", graph("[{\"name\":\"w\",\"runtime\":\"nobody-offers-it\"}]", "[]"))
                .json().path("run").path("id").asString();
        expect(call(Req.VALID, "DELETE", "/v0/runs/" + forced + "?force=true", null, null), 204, null, "forced delete");
        Http.Reply firstPage = get(Req.VALID, "/v0/runs?page_size=2&view=summary");
        expect(firstPage, 200, null, "a page of summaries");
        assertThat(firstPage.json().path("runs").get(0).has("node_counts")).isTrue();
        assertThat(firstPage.json().path("runs").get(0).has("nodes")).as("a summary has no nodes").isFalse();
        String token = firstPage.json().path("next_page_token").asString();
        assertThat(token).as("more runs than one page").isNotEmpty();
        expect(get(Req.VALID, "/v0/runs?page_size=2&page_token=" + token), 200, null, "the next page");
        expect(get(Req.VALID, "/v0/runs?status=COMPLETED&outcome=FAILED&view=full"), 200, null, "filters");
        expect(get(Req.INVALID, "/v0/runs?status=DONE"), 400, "invalid-request", "status=DONE");
        expect(get(Req.INVALID, "/v0/runs?page_size=0"), 400, "invalid-request", "page_size=0");
        expect(get(Req.INVALID, "/v0/runs?page_token=nope"), 400, "invalid-request", "page_token=nope");
        expect(get(Req.INVALID, "/v0/runs?view=tiny"), 400, "invalid-request", "view=tiny");
        expect(get(Req.VALID, "/v0/runs?limit=2&page_size=2"), 400, "invalid-request", "limit and page_size");
        expect(get(Req.INVALID, "/v0/runs?limit=lots"), 400, "invalid-request", "limit=lots");
        expect(get(Req.INVALID, "/v0/runs?limit=-1"), 400, "invalid-request", "limit=-1");
        expect(get(Req.INVALID, "/v0/runs?start_ns=-5"), 400, "invalid-request", "start_ns=-5");
        expect(get(Req.INVALID, "/v0/runs?finish_ns=x"), 400, "invalid-request", "finish_ns=x");

        get(Req.VALID, "/v0/runs/" + id);
        get(Req.VALID, "/v0/runs/" + id + "/nodes/d");
        get(Req.VALID, "/v0/runs/" + id + "/nodes/g");
        Http.Reply dot = get(Req.VALID, "/v0/runs/" + id + "/graph");
        assertThat(dot.contentType()).startsWith("text/vnd.graphviz");
        get(Req.VALID, "/v0/stats");

        expect(get(Req.VALID, "/v0/runs/" + ULID_NOBODY), 404, "run-not-found", "unknown run");
        expect(get(Req.VALID, "/v0/runs/" + ULID_NOBODY + "/graph"), 404, "run-not-found", "graph of unknown run");
        expect(get(Req.VALID, "/v0/runs/" + ULID_NOBODY + "/nodes/a"), 404, "run-not-found", "node of unknown run");
        expect(get(Req.VALID, "/v0/runs/" + id + "/nodes/zz"), 404, "node-not-found", "unknown node");

        expect(get(Req.INVALID, "/v0/runs/" + id + "/graph", "Accept", "application/json"), 406, "not-acceptable", "graph as JSON");
        expect(get(Req.INVALID, "/v0/stats", "Accept", "text/html"), 406, "not-acceptable", "stats as HTML");

        // sessions, with no token configured: nothing to log in to (BrowserSessionTest has them with tokens)
        assertThat(get(Req.VALID, "/v0/session").json().path("security").asBoolean()).isFalse();
        assertThat(post(Req.VALID, "/v0/session", "{\"token\":\"anything\"}").json().path("authenticated").asBoolean()).isFalse();
        expect(call(Req.VALID, "DELETE", "/v0/session", null, null), 204, null, "log out");
    }

    private void graphProblems() {
        StringBuilder many = new StringBuilder("{\"spec\":{\"nodes\":[");
        for (int i = 0; i <= 10_000; i++) {
            many.append(i == 0 ? "" : ",").append("{\"name\":\"n").append(i).append("\",\"runtime\":\"debug\"}");
        }
        many.append("]}}");
        record Bad(String what, Req mode, String body, String type) {
        }
        List<Bad> bad = List.of(
                new Bad("cycle", Req.VALID, graph("[" + node("a") + "," + node("b") + "," + node("c") + "]",
                        "[" + edge("a", "b") + "," + edge("b", "c") + "," + edge("c", "a") + "]"), "cycle"),
                new Bad("self-loop", Req.VALID, graph("[" + node("a") + "]", "[" + edge("a", "a") + "]"), "cycle"),
                new Bad("duplicate names", Req.VALID, graph("[" + node("a") + "," + node("a") + "]", "[]"), "duplicate-node"),
                new Bad("edge to unknown node", Req.VALID, graph("[" + node("a") + "]", "[" + edge("a", "zz") + "]"), "unknown-node"),
                new Bad("duplicate edge", Req.VALID, graph("[" + node("a") + "," + node("b") + "]",
                        "[" + edge("a", "b") + "," + edge("a", "b") + "]"), "duplicate-edge"),
                new Bad("empty graph", Req.INVALID, graph("[]", "[]"), "empty-graph"),
                new Bad("no graph at all", Req.ANY, "{}", "empty-graph"),
                new Bad("node without name", Req.INVALID, graph("[{\"runtime\":\"debug\"}]", "[]"), "missing-name"),
                new Bad("node without runtime", Req.INVALID, graph("[{\"name\":\"a\"}]", "[]"), "missing-runtime"),
                new Bad("empty name", Req.INVALID, graph("[" + node("") + "]", "[]"), "invalid-name"),
                new Bad("name over 256 bytes", Req.INVALID, graph("[" + node("n".repeat(257)) + "]", "[]"), "invalid-name"),
                new Bad("name with a slash", Req.INVALID, graph("[" + node("a/b") + "]", "[]"), "invalid-name"),
                new Bad("name with a control character", Req.ANY, graph("[" + node("a\\u0007") + "]", "[]"), "invalid-name"),
                new Bad("unknown retry condition", Req.ANY,
                        graph("[{\"name\":\"a\",\"runtime\":\"debug\",\"retry\":{\"panic\":{\"max_attempts\":2}}}]", "[]"), "invalid-retry"),
                new Bad("max_attempts below one", Req.INVALID,
                        graph("[{\"name\":\"a\",\"runtime\":\"debug\",\"retry\":{\"fail\":{\"max_attempts\":0}}}]", "[]"), "invalid-retry"),
                new Bad("unknown trigger", Req.INVALID,
                        graph("[{\"name\":\"a\",\"runtime\":\"debug\",\"trigger\":\"sometimes\"}]", "[]"), "invalid-trigger"),
                new Bad("unparsable JSON", Req.INVALID, "{\"spec\": {\"nodes\": [", "malformed-request"),
                new Bad("nodes of the wrong type", Req.INVALID, "{\"spec\": {\"nodes\": \"a\"}}", "malformed-request"),
                new Bad("runtime of the wrong type", Req.INVALID, graph("[{\"name\":\"a\",\"runtime\":5}]", "[]"), "malformed-request"),
                new Bad("max_attempts not a number", Req.INVALID,
                        graph("[{\"name\":\"a\",\"runtime\":\"debug\",\"retry\":{\"fail\":{\"max_attempts\":\"many\"}}}]", "[]"), "malformed-request"),
                new Bad("a JSON array", Req.INVALID, "[]", "malformed-request"),
                new Bad("more nodes than the limit", Req.VALID, many.toString(), "too-many-nodes"));
        for (Bad b : bad) {
            expect(put(b.mode(), "/v0/runs", b.body()), 400, b.type(), b.what());
        }
        expect(post(Req.INVALID, "/v0/runs", graph("[{\"runtime\":\"debug\"}]", "[]")), 400, "missing-name", "POST without a name");
        expect(call(Req.INVALID, "PUT", "/v0/runs", "application/json", ""), 400, "malformed-request", "no body");
    }

    private void protocolErrors() {
        String big = "{\"spec\":{\"nodes\":[" + ("{\"name\":\"n\",\"runtime\":\"" + "x".repeat(1000) + "\"},").repeat(4300) + "]}}";
        expect(put(Req.ANY, "/v0/runs", big), 413, "payload-too-large", "too large");
        Http.Reply chunked = http.send(HttpRequest.newBuilder(http.uri("/v0/runs")).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)))));
        check(Req.ANY, "PUT", "/v0/runs", "application/json", null, new String[0], chunked);
        expect(chunked, 413, "payload-too-large", "too large, chunked");

        expect(call(Req.INVALID, "PUT", "/v0/runs", "text/plain", "a -> b"), 415, "unsupported-media-type", "text/plain graph");
        expect(call(Req.INVALID, "POST", "/v0/runs", "application/x-www-form-urlencoded", "a=b"), 415, "unsupported-media-type", "form graph");

        for (String[] m : List.of(new String[]{"POST", "/v0/stats"}, new String[]{"DELETE", "/v0/runs"},
                new String[]{"PATCH", "/v0/runs/" + ULID_NOBODY}, new String[]{"GET", "/v0/runs/" + ULID_NOBODY + "/nodes/a/claim"},
                new String[]{"GET", "/v0/agents/x/heartbeat"}, new String[]{"POST", "/v0/agents"})) {
            Http.Reply r = http.send(HttpRequest.newBuilder(http.uri(m[1])).method(m[0], HttpRequest.BodyPublishers.noBody()));
            String label = m[0] + " " + m[1];
            problemOutsideOperations(r, 405, "method-not-allowed", label);
            Set<String> allow = r.header("Allow") == null ? Set.of()
                    : Arrays.stream(r.header("Allow").split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .filter(s -> !s.equals("HEAD") && !s.equals("OPTIONS")).collect(Collectors.toCollection(TreeSet::new));
            Set<String> documented = specOperations.getOrDefault(template(URI.create(m[1]).getRawPath()), Set.of());
            if (!allow.equals(documented)) {
                failures.add(label + ": Allow " + allow + " but openapi.yaml documents " + documented);
            }
        }
        problemOutsideOperations(http.get("/v0/nothing-here"), 404, "not-found", "unknown path");
        problemOutsideOperations(http.get("/v0/runs/" + ULID_NOBODY + "/nodes/a/b/c"), 404, "not-found", "unknown deeper path");
    }

    private void agents() {
        String agent = unique("conformance");
        Http.Reply lease = put(Req.VALID, "/v0/agents/" + agent, "{\"runtimes\":[{\"name\":\"debug\"},{\"name\":\"exec\"}]}");
        expect(lease, 200, null, "register");
        get(Req.VALID, "/v0/agents");
        expect(post(Req.VALID, "/v0/agents/" + agent + "/heartbeat", null), 200, null, "heartbeat");
        expect(call(Req.VALID, "DELETE", "/v0/agents/" + agent, null, null), 204, null, "unregister");
        expect(call(Req.VALID, "DELETE", "/v0/agents/" + unique("never-was"), null, null), 204, null, "unregister unknown");
        expect(post(Req.VALID, "/v0/agents/" + agent + "/heartbeat", null), 404, "lease-not-found", "heartbeat after unregister");
        get(Req.VALID, "/v0/agents");

        expect(put(Req.INVALID, "/v0/agents/" + agent, "{\"runtimes\":[]}"), 400, "invalid-request", "no runtimes");
        expect(put(Req.INVALID, "/v0/agents/" + agent, "{\"runtimes\":[{}]}"), 400, "invalid-request", "runtime without name");
        expect(put(Req.INVALID, "/v0/agents/" + agent, "{}"), 400, "invalid-request", "no runtimes field");
        expect(call(Req.INVALID, "PUT", "/v0/agents/" + agent, "application/json", null), 400, "invalid-request", "no body");
        expect(put(Req.INVALID, "/v0/agents/" + agent, "{\"runtimes\": 5}"), 400, "malformed-request", "runtimes of the wrong type");
        expect(put(Req.INVALID, "/v0/agents/" + "a".repeat(257), "{\"runtimes\":[{\"name\":\"debug\"}]}"), 400, "invalid-request", "agent id too long");
        expect(call(Req.INVALID, "PUT", "/v0/agents/" + agent, "text/plain", "debug"), 415, "unsupported-media-type", "register as text");
    }

    private void claimsAndFinishes() {
        String runtime = unique("proto");
        String agent = unique("worker");
        String other = unique("other");
        put(Req.VALID, "/v0/agents/" + agent, "{\"runtimes\":[{\"name\":\"" + runtime + "\"}]}");
        put(Req.VALID, "/v0/agents/" + other, "{\"runtimes\":[{\"name\":\"" + runtime + "\"}]}");
        String run = put(Req.VALID, "/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"" + runtime + "\"},{\"name\":\"b\",\"runtime\":\""
                + runtime + "\",\"retry\":{\"fail\":{\"max_attempts\":2}}}],\"edges\":[" + edge("a", "b") + "]}}").json().path("run").path("id").asString();
        String nodes = "/v0/runs/" + run + "/nodes/";

        expect(post(Req.VALID, nodes + "b/claim", "{\"agent_id\":\"" + agent + "\"}"), 409, "node-not-ready", "claim waiting node");
        expect(post(Req.VALID, nodes + "a/claim", "{\"agent_id\":\"ghost-agent\"}"), 409, "agent-not-registered", "claim without lease");
        expect(post(Req.VALID, nodes + "zz/claim", "{\"agent_id\":\"" + agent + "\"}"), 404, "node-not-found", "claim unknown node");
        expect(post(Req.VALID, "/v0/runs/" + ULID_NOBODY + "/nodes/a/claim", "{\"agent_id\":\"" + agent + "\"}"), 404, "run-not-found", "claim in unknown run");
        Http.Reply paused = post(Req.VALID, "/v0/runs/" + run + "/pause", null);
        expect(paused, 200, null, "pause");
        assertThat(paused.json().path("run").path("paused").asBoolean()).isTrue();
        expect(post(Req.VALID, "/v0/runs/" + run + "/pause", null), 200, null, "pause again");
        expect(post(Req.VALID, nodes + "a/claim", "{\"agent_id\":\"" + agent + "\"}"), 409, "run-paused", "claim in a paused run");
        Http.Reply resumed = post(Req.VALID, "/v0/runs/" + run + "/resume", null);
        expect(resumed, 200, null, "resume");
        assertThat(resumed.json().path("run").has("paused")).isFalse();
        expect(post(Req.VALID, "/v0/runs/" + run + "/resume", null), 200, null, "resume again");
        expect(post(Req.VALID, "/v0/runs/" + ULID_NOBODY + "/pause", null), 404, "run-not-found", "pause an unknown run");
        expect(post(Req.VALID, "/v0/runs/" + ULID_NOBODY + "/resume", null), 404, "run-not-found", "resume an unknown run");
        expect(post(Req.INVALID, nodes + "a/claim", "{}"), 400, "invalid-request", "claim without agent_id");
        expect(post(Req.INVALID, nodes + "a/claim", "{\"agent_id\":\"\"}"), 400, "invalid-request", "claim with blank agent_id");
        expect(call(Req.INVALID, "POST", nodes + "a/claim", "application/json", null), 400, "malformed-request", "claim without body");
        expect(call(Req.INVALID, "POST", nodes + "a/claim", "text/plain", "me"), 415, "unsupported-media-type", "claim as text");

        Http.Reply won = post(Req.VALID, nodes + "a/claim", "{\"agent_id\":\"" + agent + "\",\"claim\":{\"metadata\":{\"host\":{\"values\":[\"h1\"]}}}}");
        expect(won, 200, null, "claim");
        assertThat(won.json().path("claimed").asBoolean()).isTrue();
        String claimA = won.json().path("claim").path("id").asString();
        Http.Reply lost = post(Req.VALID, nodes + "a/claim", "{\"agent_id\":\"" + other + "\"}");
        assertThat(lost.json().path("claimed").asBoolean()).isFalse();

        expect(post(Req.VALID, nodes + "a/finish", "{\"claim\":{\"id\":\"" + ULID_NOBODY + "\"},\"result\":{\"conclusion\":\"SUCCESS\"}}"),
                409, "stale-claim", "finish with a stale claim");
        expect(post(Req.INVALID, nodes + "a/finish", "{\"claim\":{\"id\":\"" + claimA + "\"},\"result\":{\"conclusion\":\"MAYBE\"}}"),
                400, "invalid-request", "finish with a bad conclusion");
        expect(post(Req.INVALID, nodes + "a/finish", "{\"result\":{\"conclusion\":\"SUCCESS\"}}"), 400, "invalid-request", "finish without claim");
        expect(post(Req.INVALID, nodes + "a/finish", "{\"claim\":{\"id\":\"" + claimA + "\"}}"), 400, "invalid-request", "finish without result");
        expect(post(Req.ANY, nodes + "a/finish", "{\"claim\":{\"id\":\"" + claimA + "\"},\"result\":{\"conclusion\":\"SUCCESS\",\"output\":\"!!\"}}"),
                400, "malformed-request", "finish with output not base64");
        expect(post(Req.VALID, nodes + "zz/finish", "{\"claim\":{\"id\":\"" + claimA + "\"},\"result\":{\"conclusion\":\"SUCCESS\"}}"),
                404, "node-not-found", "finish unknown node");
        expect(post(Req.VALID, "/v0/runs/" + ULID_NOBODY + "/nodes/a/finish", "{\"claim\":{\"id\":\"" + claimA + "\"},\"result\":{\"conclusion\":\"SUCCESS\"}}"),
                404, "run-not-found", "finish in unknown run");
        expect(call(Req.INVALID, "POST", nodes + "a/finish", "text/plain", "SUCCESS"), 415, "unsupported-media-type", "finish as text");

        expect(post(Req.INVALID, nodes + "a/finish", "{\"claim\":{\"id\":\"" + claimA + "\"},\"result\":{\"conclusion\":\"SUCCESS\"},\"next\":1}"),
                400, "invalid-request", "finish asking for next without agent_id");
        expect(post(Req.VALID, nodes + "a/finish", "{\"claim\":{\"id\":\"" + claimA + "\"},\"result\":{\"conclusion\":\"SUCCESS\"},\"agent_id\":\""
                + other + "\"}"), 409, "stale-claim", "finish by an agent that does not hold the node");
        String done = "{\"claim\":{\"id\":\"" + claimA + "\"},\"result\":{\"conclusion\":\"SUCCESS\",\"output_text\":\"hello a\",\"metadata\":{\"took\":{\"values\":[\"1ms\"]}}}}";
        expect(post(Req.VALID, nodes + "a/finish", done), 200, null, "finish");
        expect(post(Req.VALID, nodes + "a/finish", done), 200, null, "identical repeat");
        expect(post(Req.VALID, nodes + "a/finish", "{\"claim\":{\"id\":\"" + claimA + "\"},\"result\":{\"conclusion\":\"FAIL\"}}"),
                409, "stale-claim", "different repeat");
        expect(post(Req.VALID, nodes + "a/claim", "{\"agent_id\":\"" + agent + "\"}"), 200, null, "claim a completed node");

        // b: fails once (retried), then succeeds with base64 output; the claim names its request, so a retry
        // of it answers the same claim (its token minted by the server)
        Http.Reply b1 = post(Req.VALID, nodes + "b/claim", "{\"agent_id\":\"" + other + "\",\"claim\":{\"id\":\"mine-1\"}}");
        String tokenB1 = b1.json().path("claim").path("id").asString();
        assertThat(tokenB1).isNotEqualTo("mine-1");
        Http.Reply b1again = post(Req.VALID, nodes + "b/claim", "{\"agent_id\":\"" + other + "\",\"claim\":{\"id\":\"mine-1\"}}");
        expect(b1again, 200, null, "a claim retried with its request id");
        assertThat(b1again.json().path("claim").path("id").asString()).isEqualTo(tokenB1);
        assertThat(new String(Base64.getDecoder().decode(b1.json().path("node").path("inputs").path("a").asString()), StandardCharsets.UTF_8))
                .isEqualTo("hello a");
        post(Req.VALID, nodes + "b/finish", "{\"claim\":{\"id\":\"" + tokenB1 + "\"},\"result\":{\"conclusion\":\"fail\",\"output\":\""
                + Base64.getEncoder().encodeToString("no".getBytes(StandardCharsets.UTF_8)) + "\"}}");
        get(Req.VALID, nodes + "b");
        String claimB = post(Req.VALID, nodes + "b/claim", "{\"agent_id\":\"" + other + "\",\"claim\":{\"id\":\"\"}}").json().path("claim").path("id").asString();
        post(Req.VALID, nodes + "b/finish", "{\"claim\":{\"id\":\"" + claimB + "\"},\"result\":{\"conclusion\":\"Success\",\"output\":\""
                + Base64.getEncoder().encodeToString("bytes".getBytes(StandardCharsets.UTF_8)) + "\"}}");
        Http.Reply completed = get(Req.VALID, "/v0/runs/" + run);
        assertThat(completed.json().path("run").path("outcome").asString()).isEqualTo("SUCCEEDED");

        // eager dispatch: finishing x asks for the next node and gets y claimed for the same agent
        String chain = put(Req.VALID, "/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"x\",\"runtime\":\"" + runtime
                + "\"},{\"name\":\"y\",\"runtime\":\"" + runtime + "\"}],\"edges\":[" + edge("x", "y") + "]}}").json().path("run").path("id").asString();
        String chainNodes = "/v0/runs/" + chain + "/nodes/";
        String claimFirst = post(Req.VALID, chainNodes + "x/claim", "{\"agent_id\":\"" + agent + "\"}").json().path("claim").path("id").asString();
        Http.Reply withNext = post(Req.VALID, chainNodes + "x/finish", "{\"claim\":{\"id\":\"" + claimFirst
                + "\"},\"result\":{\"conclusion\":\"SUCCESS\"},\"agent_id\":\"" + agent + "\",\"next\":1}");
        expect(withNext, 200, null, "finish asking for the next node");
        assertThat(withNext.json().path("next").get(0).path("node").path("spec").path("name").asString()).isEqualTo("y");
        String claimY = withNext.json().path("next").get(0).path("claim").path("id").asString();
        Http.Reply minimal = call(Req.VALID, "POST", chainNodes + "y/finish", "application/json", "{\"claim\":{\"id\":\""
                + claimY + "\"},\"result\":{\"conclusion\":\"SUCCESS\"},\"agent_id\":\"" + agent + "\",\"next\":1}",
                "Prefer", "return=minimal");
        expect(minimal, 200, null, "finish of the last node with next, preferring a minimal return");
        assertThat(minimal.header("Preference-Applied")).isEqualTo("return=minimal");
        assertThat(minimal.json().has("node")).isFalse();

        // protocol v2: batch claims, with and without waiting
        put(Req.VALID, "/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"q\",\"runtime\":\"" + runtime + "\"}]}}");
        Http.Reply batch = post(Req.VALID, "/v0/agents/" + agent + "/claims", "{\"max\":2,\"request_id\":\"req-q\"}");
        expect(batch, 200, null, "batch claim");
        assertThat(batch.json().path("claims").get(0).path("node").path("spec").path("name").asString()).isEqualTo("q");
        Http.Reply again = get(Req.VALID, "/v0/agents/" + agent + "/claims?request_id=req-q");
        expect(again, 200, null, "the claims of a batch claim, by its request id");
        assertThat(again.json().path("claims").get(0).path("claim").path("id").asString())
                .isEqualTo(batch.json().path("claims").get(0).path("claim").path("id").asString());
        expect(get(Req.INVALID, "/v0/agents/" + agent + "/claims"), 400, "invalid-request", "claims of no request");
        Http.Reply waited = post(Req.VALID, "/v0/agents/" + agent + "/claims", "{\"max\":1,\"wait\":\"100ms\"}");
        expect(waited, 200, null, "batch claim that waits for nothing");
        assertThat(waited.json().path("claims").size()).isZero();
        expect(post(Req.INVALID, "/v0/agents/" + agent + "/claims", "{\"max\":0}"), 400, "invalid-request", "batch of none");
        expect(post(Req.ANY, "/v0/agents/" + agent + "/claims", "{\"wait\":\"1h\"}"), 400, "invalid-request", "wait past a third of the TTL");
        expect(post(Req.VALID, "/v0/agents/ghost-agent/claims", "{\"max\":1}"), 409, "agent-not-registered", "batch claim without lease");
        String claimQ = batch.json().path("claims").get(0).path("claim").path("id").asString();
        Http.Reply many = post(Req.VALID, "/v0/agents/" + agent + "/finishes", "{\"next\":1,\"finishes\":[{\"run_id\":\""
                + batch.json().path("claims").get(0).path("run_id").asString() + "\",\"node\":\"q\",\"claim\":{\"id\":\"" + claimQ + "\"},\"result\":{\"conclusion\":\"SUCCESS\"}},"
                + "{\"run_id\":\"" + ULID_NOBODY + "\",\"node\":\"q\",\"claim\":{\"id\":\"x\"},\"result\":{\"conclusion\":\"SUCCESS\"}}]}");
        expect(many, 200, null, "batch finish");
        assertThat(many.json().path("results").get(0).path("outcome").asString()).isEqualTo("finished");
        assertThat(many.json().path("results").get(0).path("finished").path("status").asString()).isEqualTo("COMPLETED");
        assertThat(many.json().path("results").get(1).path("outcome").asString()).isEqualTo("not_found");
        expect(post(Req.INVALID, "/v0/agents/" + agent + "/finishes", "{\"finishes\":[]}"), 400, "invalid-request", "batch finish of nothing");
        expect(post(Req.VALID, "/v0/agents/ghost-agent/finishes", "{\"finishes\":[{\"run_id\":\"" + ULID_NOBODY
                + "\",\"node\":\"q\",\"claim\":{\"id\":\"x\"},\"result\":{\"conclusion\":\"SUCCESS\"}}]}"), 409, "agent-not-registered", "batch finish without lease");
        get(Req.VALID, "/v0/runs/" + run + "/graph");

        // a cancel the agent hears of in its v2 answers: it holds u and v of a run that is cancelled
        String toStop = put(Req.VALID, "/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"u\",\"runtime\":\"" + runtime
                + "\"},{\"name\":\"v\",\"runtime\":\"" + runtime + "\"}]}}").json().path("run").path("id").asString();
        String claimU = post(Req.VALID, "/v0/runs/" + toStop + "/nodes/u/claim", "{\"agent_id\":\"" + agent + "\"}")
                .json().path("claim").path("id").asString();
        String claimV = post(Req.VALID, "/v0/runs/" + toStop + "/nodes/v/claim", "{\"agent_id\":\"" + agent + "\"}")
                .json().path("claim").path("id").asString();
        post(Req.VALID, "/v0/runs/" + toStop + "/cancel", "{\"grace\":\"1m\"}");
        Http.Reply told = post(Req.VALID, "/v0/agents/" + agent + "/finishes", "{\"finishes\":[{\"run_id\":\"" + toStop
                + "\",\"node\":\"u\",\"claim\":{\"id\":\"" + claimU + "\"},\"result\":{\"conclusion\":\"ERROR\",\"output_text\":\"stopped\"}}]}");
        expect(told, 200, null, "a batch finish that names a cancelled claim");
        assertThat(told.json().path("cancelled").get(0).path("claim_id").asString()).isEqualTo(claimV);
        Http.Reply toldToo = post(Req.VALID, "/v0/agents/" + agent + "/claims", "{\"max\":1}");
        expect(toldToo, 200, null, "a batch claim that names a cancelled claim");
        assertThat(toldToo.json().path("cancelled").get(0).path("node").asString()).isEqualTo("v");
        post(Req.VALID, "/v0/runs/" + toStop + "/nodes/v/finish", "{\"claim\":{\"id\":\"" + claimV
                + "\"},\"result\":{\"conclusion\":\"ERROR\",\"output_text\":\"stopped\"}}");

        // a failure for good: x fails, y is skipped, the run FAILED
        String failing = put(Req.VALID, "/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"x\",\"runtime\":\"" + runtime + "\"},{\"name\":\"y\",\"runtime\":\""
                + runtime + "\"}],\"edges\":[" + edge("x", "y") + "]}}").json().path("run").path("id").asString();
        String claimX = post(Req.VALID, "/v0/runs/" + failing + "/nodes/x/claim", "{\"agent_id\":\"" + agent + "\"}").json().path("claim").path("id").asString();
        post(Req.VALID, "/v0/runs/" + failing + "/nodes/x/finish", "{\"claim\":{\"id\":\"" + claimX + "\"},\"result\":{\"conclusion\":\"ERROR\",\"output_text\":\"boom\"}}");
        Http.Reply failed = get(Req.VALID, "/v0/runs/" + failing);
        assertThat(failed.json().path("run").path("outcome").asString()).isEqualTo("FAILED");
        assertThat(failed.json().path("run").path("nodes").get(1).path("skipped").asBoolean()).isTrue();
        get(Req.VALID, "/v0/runs/" + failing + "/graph");

        // an orphan: the agent leaves while running a node
        String orphanRun = put(Req.VALID, "/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"o\",\"runtime\":\"" + runtime + "\"}]}}").json().path("run").path("id").asString();
        post(Req.VALID, "/v0/runs/" + orphanRun + "/nodes/o/claim", "{\"agent_id\":\"" + agent + "\"}");
        call(Req.VALID, "DELETE", "/v0/agents/" + agent, null, null);
        Http.Reply orphan = get(Req.VALID, "/v0/runs/" + orphanRun + "/nodes/o");
        assertThat(orphan.json().path("node").path("status").asString()).isEqualTo("NONE");
        Http.Reply stats = get(Req.VALID, "/v0/stats");
        assertThat(stats.json().path("stats").path("node_counts").path("orphaned_count").asLong()).isPositive();
        get(Req.VALID, "/v0/runs/" + orphanRun + "/graph");
        call(Req.VALID, "DELETE", "/v0/agents/" + other, null, null);
    }

    private void eventStream() {
        String runtime = unique("sse");
        String agent = unique("listener");
        String run = put(Req.VALID, "/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"early\",\"runtime\":\"" + runtime + "\"}]}}").json().path("run").path("id").asString();
        String path = "/v0/agents/" + agent + "/events?runtime=" + runtime + "&type=NODE_READY&type=NODE_ORPHANED";
        SseClient s = stream(path, null);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(s.of("NODE_READY")).as("the current set").isNotEmpty();
            assertThat(s.comments).as("keep-alive comments").contains("keep-alive");
        });
        SseClient.Message first = s.of("NODE_READY").get(0);
        checkStream(s, path, null, first);
        schema("Event", first.data(), "the first event's data");
        assertThat(first.id()).as("the current set's last message carries the position").matches("\\d+(\\.\\d+)?");
        assertThat(s.retries).isNotEmpty();
        assertThat(s.response().headers().firstValue("Cache-Control").orElse("")).isEqualTo("no-cache");
        schema("Cursor", first.id(), "the first event's id");
        String resumeFrom = first.id();

        String live = put(Req.VALID, "/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"later\",\"runtime\":\"" + runtime + "\"}]}}").json().path("run").path("id").asString();
        await().atMost(Duration.ofSeconds(10)).until(() -> s.of("NODE_READY").size() == 2);
        SseClient.Message second = s.of("NODE_READY").get(1);
        schema("Event", second.data(), "a live event's data");
        schema("Cursor", second.id(), "a live event's id");
        assertThat(Http.tree(second.data()).path("run_id").asString()).isEqualTo(live);
        assertThat(Http.tree(first.data()).path("run_id").asString()).isEqualTo(run);

        // resume with the header, and with the query parameter; a registered agent may connect without runtime=
        String registered = "/v0/agents/" + agent + "/events";
        SseClient resumed = stream(registered, resumeFrom);
        await().atMost(Duration.ofSeconds(10)).until(() -> !resumed.of("NODE_READY").isEmpty());
        checkStream(resumed, registered, resumeFrom, resumed.of("NODE_READY").get(0));
        schema("Event", resumed.of("NODE_READY").get(0).data(), "a resumed event's data");
        String byQuery = registered + "?last_event_id=" + resumeFrom + "&type=NODE_READY";
        SseClient resumedByQuery = stream(byQuery, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> !resumedByQuery.of("NODE_READY").isEmpty());
        checkStream(resumedByQuery, byQuery, null, resumedByQuery.of("NODE_READY").get(0));

        String sse = "text/event-stream";
        expect(get(Req.VALID, "/v0/agents/" + unique("unknown") + "/events", "Accept", sse), 404, "lease-not-found", "stream of an unknown agent");
        expect(get(Req.INVALID, registered + "?type=NODE_BORED", "Accept", sse), 400, "invalid-request", "unknown event type");
        expect(get(Req.INVALID, registered, "Accept", sse, "Last-Event-ID", "not-a-cursor"), 400, "invalid-request", "bad Last-Event-ID");
        expect(get(Req.INVALID, registered + "?last_event_id=x.y", "Accept", sse), 400, "invalid-request", "bad last_event_id");
        expect(get(Req.VALID, "/v0/agents/" + unique("x") + "/events?runtime=,", "Accept", sse), 400, "invalid-request", "runtime= of commas");
        expect(get(Req.INVALID, registered, "Accept", "application/json"), 406, "not-acceptable", "stream as JSON");

        call(Req.VALID, "DELETE", "/v0/agents/" + agent, null, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> s.ended() && resumed.ended() && resumedByQuery.ended());
    }

    private void observerStreams() {
        String runtime = unique("observed");
        String run = put(Req.VALID, "/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"" + runtime
                + "\"},{\"name\":\"b\",\"runtime\":\"" + runtime + "\"}],\"edges\":[{\"source\":\"a\",\"destination\":\"b\"}]}}")
                .json().path("run").path("id").asString();
        SseClient all = stream("/v0/events", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> all.lastEventId() != null);
        String path = "/v0/runs/" + run + "/events";
        SseClient one = stream(path, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> one.messages.size() >= 3);
        checkStream(one, path, null, one.messages.get(0));
        schema("RunStatusEvent", one.messages.get(0).data(), "a run's state");
        schema("NodeStatusEvent", one.messages.get(1).data(), "a node's state");
        schema("Cursor", one.messages.get(2).id(), "the state's position");

        call(Req.VALID, "POST", "/v0/runs/" + run + "/cancel", "application/json", "{\"grace\":\"0s\"}");
        await().atMost(Duration.ofSeconds(10)).until(one::ended);
        one.of("NODE_STATUS").forEach(m -> schema("NodeStatusEvent", m.data(), "a node's change"));
        one.of("RUN_STATUS").forEach(m -> schema("RunStatusEvent", m.data(), "a run's change"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !all.of("RUN_STATUS").isEmpty());
        checkStream(all, "/v0/events", null, all.of("NODE_STATUS").get(0));
        schema("ObserverEvent", all.of("RUN_STATUS").get(0).data(), "a run's state, first seen");
        schema("Cursor", all.of("NODE_STATUS").get(0).id(), "a node change's id");
        String resumeFrom = all.of("NODE_STATUS").get(0).id();
        SseClient resumed = stream("/v0/events", resumeFrom);
        await().atMost(Duration.ofSeconds(10)).until(() -> !resumed.of("NODE_STATUS").isEmpty());
        checkStream(resumed, "/v0/events", resumeFrom, resumed.of("NODE_STATUS").get(0));

        String sse = "text/event-stream";
        expect(get(Req.VALID, "/v0/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV/events", "Accept", sse), 404, "run-not-found", "following no run");
        expect(get(Req.INVALID, "/v0/events", "Accept", sse, "Last-Event-ID", "soon"), 400, "invalid-request", "bad Last-Event-ID");
        expect(get(Req.INVALID, path + "?last_event_id=x.y", "Accept", sse), 400, "invalid-request", "bad last_event_id of a run's stream");
        expect(get(Req.INVALID, "/v0/agents/" + unique("nosy") + "/events?type=NODE_STATUS&runtime=" + runtime, "Accept", sse),
                400, "invalid-request", "an agent asking for observers' events");
    }

    private SseClient stream(String path, String lastEventId) {
        SseClient s = SseClient.open(http, path, lastEventId);
        streams.add(s);
        return s;
    }

    /** Validates a stream's request, status and headers; the body stands for its first message. */
    private void checkStream(SseClient s, String path, String lastEventId, SseClient.Message first) {
        List<String> headers = new ArrayList<>(List.of("Accept", "text/event-stream"));
        if (lastEventId != null) {
            headers.addAll(List.of("Last-Event-ID", lastEventId));
        }
        Request request = request("GET", path, null, null, headers.toArray(String[]::new));
        SimpleResponse.Builder rb = new SimpleResponse.Builder(s.response().statusCode());
        s.response().headers().map().forEach(rb::withHeader);
        rb.withBody("event:" + first.event() + "\ndata:" + first.data() + "\n\n");
        check(Req.VALID, request, rb.build(), "GET " + path + " → " + s.response().statusCode() + " (stream)");
    }

    private void operations() {
        get(Req.VALID, "/actuator/health/liveness");
        get(Req.VALID, "/actuator/health/readiness");
        get(Req.VALID, "/actuator/prometheus");
    }

    /** Guards against a toothless validator (as with a 3.1 document, whose types it ignores): wrong answers are flagged. */
    @Test
    void theValidatorFlagsWrongAnswers() {
        record Wrong(String method, String path, int status, String contentType, String body) {
        }
        List<Wrong> wrong = List.of(
                new Wrong("GET", "/v0/stats", 200, "application/json", "{\"stats\":{\"run_count\":\"x\",\"node_counts\":{}}}"),
                new Wrong("GET", "/v0/runs/" + ULID_NOBODY, 200, "application/json",
                        "{\"run\":{\"id\":\"" + ULID_NOBODY + "\",\"created_at\":\"2026-11-27T17:12:07.036329846Z\",\"status\":\"DONE\",\"nodes\":[],\"edges\":[]}}"),
                new Wrong("GET", "/v0/runs/" + ULID_NOBODY + "/nodes/a", 200, "application/json",
                        "{\"node\":{\"spec\":{\"name\":5,\"runtime\":\"debug\"},\"status\":\"READY\",\"attempts\":[],\"inputs\":{}}}"),
                new Wrong("POST", "/v0/runs/" + ULID_NOBODY + "/nodes/a/claim", 200, "application/json", "{\"claimed\":false,\"node\":{}}"),
                new Wrong("GET", "/v0/runs/" + ULID_NOBODY, 404, "application/problem+json",
                        "{\"type\":\"https://adagio.dev/problems/bogus\",\"title\":\"t\",\"status\":404}"),
                new Wrong("GET", "/v0/runs/" + ULID_NOBODY, 200, "text/html", "<html/>"));
        for (Wrong w : wrong) {
            SimpleResponse response = new SimpleResponse.Builder(w.status()).withContentType(w.contentType()).withBody(w.body()).build();
            assertThat(validator.validateResponse(w.path(), Request.Method.valueOf(w.method()), response).hasErrors())
                    .as("openapi.yaml (as validated) must reject %s %s → %s", w.method(), w.path(), w.body()).isTrue();
        }
    }

    // ---- the problem types ------------------------------------------------------------------------------

    @Test
    void everyProblemTypeIsDocumented() throws IOException {
        JsonNode yaml = YAML.readTree(SPEC.toFile());
        Set<String> documented = new TreeSet<>();
        yaml.path("components").path("schemas").path("Problem").path("properties").path("type").path("enum")
                .forEach(t -> documented.add(t.asText()));
        Set<String> known = new TreeSet<>();
        for (ProblemType t : ProblemType.values()) {
            known.add(t.uri().toString());
        }
        for (GraphViolation v : GraphViolation.values()) {
            known.add(ProblemType.BASE + v.slug());
        }
        assertThat(documented).as("Problem.type's enum in openapi.yaml").containsExactlyInAnyOrderElementsOf(known);
        String description = yaml.path("info").path("description").asText();
        for (String uri : known) {
            String slug = uri.substring(ProblemType.BASE.length());
            assertThat(description).as("the problem table of info.description").contains("| `" + slug + "` |");
        }
    }
}
