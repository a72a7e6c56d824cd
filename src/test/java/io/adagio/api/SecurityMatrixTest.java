package io.adagio.api;

import io.adagio.security.Tokens;
import io.adagio.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every endpoint × every role, with tokens configured: without a token 401, with a token lacking the role 403
 * (both problem+json with {@code WWW-Authenticate}), with one that has it neither. The endpoints are read from the
 * controllers' own mappings, so a new endpoint without an entry in {@link #NEEDS} fails this test.
 */
@WithTokens
class SecurityMatrixTest {
    static final String READER = "reader-token-0123456789";
    static final String OPERATOR = "operator-token-0123456789";
    static final String AGENT = "agent-token-0123456789";
    static final String ADMIN = "admin-token-0123456789";
    static final String READER_HASH = "b3057e05d75e8cdca4bd6ddd527af736913e8464a7a3d47d7a09389eaa8e1eb4";
    static final String OPERATOR_HASH = "e4ba15bc7411be319ad18f683da1ff6968143f09f0fac67e517a5d6f526598c1";
    static final String AGENT_HASH = "2ff1ec381ff9d272347c4d8e0e309fd0a22ac9a12a1e2040d31992f4f4dbd458";
    static final String ADMIN_HASH = "ca8d40e6ce4716b552f1c69863335b502f2afb57ffae171d6675fd56d91ca5b2";

    /** What each endpoint needs: a role, or nothing (open). */
    enum Need { OPEN, READER, OPERATOR, AGENT, ADMIN }

    static final Map<String, Need> NEEDS = new LinkedHashMap<>();

    static {
        NEEDS.put("PUT /v0/runs", Need.OPERATOR);
        NEEDS.put("POST /v0/runs", Need.OPERATOR);
        NEEDS.put("GET /v0/runs", Need.READER);
        NEEDS.put("GET /v0/runs/{runId}", Need.READER);
        NEEDS.put("DELETE /v0/runs/{runId}", Need.OPERATOR);
        NEEDS.put("POST /v0/runs/{runId}/rerun", Need.OPERATOR);
        NEEDS.put("POST /v0/runs/{runId}/cancel", Need.OPERATOR);
        NEEDS.put("POST /v0/runs/{runId}/retry", Need.OPERATOR);
        NEEDS.put("POST /v0/runs/{runId}/pause", Need.OPERATOR);
        NEEDS.put("POST /v0/runs/{runId}/resume", Need.OPERATOR);
        NEEDS.put("GET /v0/runs/{runId}/nodes/{name}", Need.READER);
        NEEDS.put("GET /v0/runs/{runId}/graph", Need.READER);
        NEEDS.put("GET /v0/runs/{runId}/events", Need.READER);
        NEEDS.put("POST /v0/runs/{runId}/nodes/{name}/claim", Need.AGENT);
        NEEDS.put("POST /v0/runs/{runId}/nodes/{name}/finish", Need.AGENT);
        NEEDS.put("POST /v0/runs/{runId}/nodes/{name}/skip", Need.OPERATOR);
        NEEDS.put("GET /v0/events", Need.READER);
        NEEDS.put("GET /v0/stats", Need.READER);
        NEEDS.put("GET /v0/agents", Need.READER);
        NEEDS.put("PUT /v0/agents/{agentId}", Need.AGENT);
        NEEDS.put("POST /v0/agents/{agentId}/heartbeat", Need.AGENT);
        NEEDS.put("DELETE /v0/agents/{agentId}", Need.AGENT);
        NEEDS.put("POST /v0/agents/{agentId}/claims", Need.AGENT);
        NEEDS.put("GET /v0/agents/{agentId}/claims", Need.AGENT);
        NEEDS.put("POST /v0/agents/{agentId}/finishes", Need.AGENT);
        NEEDS.put("GET /v0/agents/{agentId}/events", Need.AGENT);
        NEEDS.put("GET /v0/session", Need.OPEN); // who am I: answers anyone
        NEEDS.put("POST /v0/session", Need.OPEN); // a login proves itself with the token in its body
        NEEDS.put("DELETE /v0/session", Need.OPEN);
        for (String page : UiController.PAGES) {
            NEEDS.put("GET " + page, Need.OPEN); // the UI's pages: the API they call is protected
        }
        NEEDS.put("GET /swagger-ui", Need.OPEN);
        NEEDS.put("GET /swagger-ui/", Need.OPEN);
    }

    /** Endpoints outside the controllers: the actuator's and the static API description. */
    static final Map<String, Need> OTHERS = Map.of(
            "GET /actuator/health", Need.OPEN, "GET /actuator/health/liveness", Need.OPEN,
            "GET /actuator/health/readiness", Need.OPEN, "GET /openapi.yaml", Need.OPEN,
            "GET /actuator/prometheus", Need.READER, "GET /ui/app.js", Need.OPEN,
            "GET /webjars/dagre/dist/dagre.min.js", Need.OPEN, "GET /swagger-ui/index.html", Need.OPEN);

    @LocalServerPort
    int port;
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;
    Http http;

    @BeforeEach
    void client() {
        http = new Http(port);
    }

    private Set<String> mapped() {
        Set<String> out = new TreeSet<>();
        for (Map.Entry<RequestMappingInfo, HandlerMethod> e : mappings.getHandlerMethods().entrySet()) {
            if (!e.getValue().getBeanType().getPackageName().startsWith("io.adagio")) {
                continue; // Spring's own error controller
            }
            for (var method : e.getKey().getMethodsCondition().getMethods()) {
                for (String pattern : e.getKey().getPatternValues()) {
                    out.add(method + " " + pattern);
                }
            }
        }
        return out;
    }

    @Test
    void everyEndpointOfTheControllersHasItsRoleHere() {
        assertThat(NEEDS.keySet()).as("a role for every endpoint (add new ones to NEEDS)").containsAll(mapped());
        assertThat(mapped()).as("no stale entries").containsAll(NEEDS.keySet());
    }

    private int call(String endpoint, String token, String agentId) {
        String[] parts = endpoint.split(" ", 2);
        String path = parts[1].replace("{runId}", "01ARZ3NDEKTSV4RRFFQ69G5FAV").replace("{name}", "a")
                .replace("{agentId}", agentId);
        HttpRequest.Builder b = HttpRequest.newBuilder(http.uri(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .method(parts[0], parts[0].equals("GET") || parts[0].equals("DELETE")
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(names(endpoint) ? "{\"agent_id\":\"" + agentId + "\"}" : "{}"));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<InputStream> r = http.client().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            int status = r.statusCode();
            if (status == 401 || status == 403) {
                String body;
                try (InputStream in = r.body()) {
                    body = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                }
                assertThat(r.headers().firstValue("Content-Type").orElse("")).as(endpoint).startsWith("application/problem+json");
                assertThat(r.headers().firstValue("WWW-Authenticate").orElse("")).as(endpoint).startsWith("Bearer");
                assertThat(Http.tree(body).path("type").asString()).as(endpoint).isEqualTo("https://adagio.dev/problems/"
                        + (status == 401 ? "unauthenticated" : "forbidden"));
            } else {
                r.body().close(); // a stream: its headers are enough
            }
            return status;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A v1 claim or finish: its body names the agent. */
    private static boolean names(String endpoint) {
        return endpoint.endsWith("/claim") || endpoint.endsWith("/finish");
    }

    private static boolean allows(Need need, String token) {
        return switch (need) {
            case OPEN -> true;
            case READER -> token.equals(READER) || token.equals(OPERATOR) || token.equals(ADMIN);
            case OPERATOR -> token.equals(OPERATOR) || token.equals(ADMIN);
            case AGENT -> token.equals(AGENT) || token.equals(ADMIN);
            case ADMIN -> token.equals(ADMIN);
        };
    }

    @Test
    void everyEndpointAnswersEachRoleAsItsNeedSays() {
        Map<String, Need> all = new LinkedHashMap<>(NEEDS);
        all.putAll(OTHERS);
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Need> e : all.entrySet()) {
            String endpoint = e.getKey();
            int anonymous = call(endpoint, null, "good-1");
            if (e.getValue() == Need.OPEN ? anonymous == 401 || anonymous == 403 : anonymous != 401) {
                wrong.add(endpoint + " without a token: " + anonymous);
            }
            int unknown = call(endpoint, "not-a-token", "good-1");
            if (e.getValue() != Need.OPEN && unknown != 401) {
                wrong.add(endpoint + " with an unknown token: " + unknown);
            }
            for (String token : List.of(READER, OPERATOR, AGENT, ADMIN)) {
                int status = call(endpoint, token, "good-1");
                boolean allowed = allows(e.getValue(), token);
                if (allowed ? status == 401 || status == 403 : status != 403) {
                    wrong.add(endpoint + " as " + token + ": " + status + (allowed ? " (should pass)" : " (should be 403)"));
                }
            }
            if (endpoint.contains("{agentId}") || names(endpoint)) {
                int other = call(endpoint, AGENT, "other-1");
                if (other != 403) {
                    wrong.add(endpoint + " by the agent token for an agent it may not act as: " + other);
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void theHashesAreOfTheTokens() {
        assertThat(Tokens.hashOf(READER)).isEqualTo(READER_HASH);
        assertThat(Tokens.hashOf(OPERATOR)).isEqualTo(OPERATOR_HASH);
        assertThat(Tokens.hashOf(AGENT)).isEqualTo(AGENT_HASH);
        assertThat(Tokens.hashOf(ADMIN)).isEqualTo(ADMIN_HASH);
    }
}
