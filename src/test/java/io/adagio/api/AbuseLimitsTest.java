package io.adagio.api;

import io.adagio.support.Http;
import io.adagio.support.SseClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Abuse limits, over HTTP: a token's starts per minute (429 {@code rate-limited}, nothing started) and its open
 * event streams (429 {@code too-many-streams}, freed as they close); other tokens are not held back by either.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "adagio.mode=api",
        "adagio.security.tokens.ci.sha256=" + SecurityMatrixTest.OPERATOR_HASH, "adagio.security.tokens.ci.roles=operator",
        "adagio.security.tokens.ci.starts-per-minute=2",
        "adagio.security.tokens.root.sha256=" + SecurityMatrixTest.ADMIN_HASH, "adagio.security.tokens.root.roles=admin",
        "adagio.sse.max-streams-per-token=2", "adagio.sse.heartbeat=200ms"})
class AbuseLimitsTest {
    private static final String GRAPH = "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"}],\"edges\":[]}}";

    @LocalServerPort
    int port;

    private Http.Reply as(String token, String method, String path, String body) {
        Http http = new Http(port);
        return http.send(HttpRequest.newBuilder(http.uri(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    private int runs() {
        return as(SecurityMatrixTest.ADMIN, "GET", "/v0/runs?limit=1000", null).json().path("runs").size();
    }

    @Test
    void aTokensStartsOverItsRateAreRefusedAndStartNothing() {
        int before = runs();
        assertThat(as(SecurityMatrixTest.OPERATOR, "POST", "/v0/runs", "{\"nodes\":[]}").status())
                .as("an invalid graph starts nothing, and costs no start").isEqualTo(400);
        assertThat(as(SecurityMatrixTest.OPERATOR, "POST", "/v0/runs", GRAPH).status()).isEqualTo(201);
        String first = as(SecurityMatrixTest.ADMIN, "GET", "/v0/runs?limit=1", null).json().path("runs").get(0).path("id").asString();
        assertThat(as(SecurityMatrixTest.OPERATOR, "PUT", "/v0/runs", GRAPH).status()).isEqualTo(200);

        Http.Reply third = as(SecurityMatrixTest.OPERATOR, "POST", "/v0/runs", GRAPH);
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.contentType()).startsWith("application/problem+json");
        assertThat(third.problem()).isEqualTo("rate-limited");
        assertThat(third.json().path("starts_per_minute").asInt()).isEqualTo(2);
        assertThat(Long.parseLong(third.header("Retry-After"))).isBetween(1L, 30L);
        Http.Reply rerun = as(SecurityMatrixTest.OPERATOR, "POST", "/v0/runs/" + first + "/rerun", null);
        assertThat(rerun.status()).as("a rerun is a start too").isEqualTo(429);
        assertThat(runs()).as("nothing started by the refused ones").isEqualTo(before + 2);

        assertThat(as(SecurityMatrixTest.OPERATOR, "GET", "/v0/runs/" + first, null).status())
                .as("reads are not limited").isEqualTo(200);
        assertThat(as(SecurityMatrixTest.ADMIN, "POST", "/v0/runs", GRAPH).status())
                .as("a token without a limit starts as it likes").isEqualTo(201);
    }

    @Test
    void aTokensEventStreamsAreCappedAndFreedAsTheyClose() {
        Http http = new Http(port);
        Map<String, String> auth = Map.of("Authorization", "Bearer " + SecurityMatrixTest.ADMIN);
        List<SseClient> open = new ArrayList<>();
        try {
            open.add(SseClient.open(http, "/v0/events", null, auth));
            open.add(SseClient.open(http, "/v0/agents/pool-1/events?runtime=debug", null, auth));
            open.forEach(s -> assertThat(s.response().statusCode()).isEqualTo(200));
            try (SseClient refused = SseClient.open(http, "/v0/events", null, auth)) {
                assertThat(refused.response().statusCode()).isEqualTo(429);
                assertThat(refused.response().headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
                assertThat(refused.response().headers().firstValue("Retry-After")).isPresent();
                await().atMost(Duration.ofSeconds(5)).until(refused::ended);
                assertThat(String.join("", refused.comments) + refused.messages).doesNotContain("RUN_STATUS");
            }
            Map<String, String> other = Map.of("Authorization", "Bearer " + SecurityMatrixTest.OPERATOR);
            try (SseClient others = SseClient.open(http, "/v0/events", null, other)) {
                assertThat(others.response().statusCode()).as("another token's streams are its own").isEqualTo(200);
            }

            open.remove(0).close(); // the server sees it gone at its next keep-alive
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                SseClient again = SseClient.open(http, "/v0/events", null, auth);
                if (again.response().statusCode() == 200) {
                    open.add(again);
                    return true;
                }
                again.close();
                return false;
            });
        } finally {
            open.forEach(SseClient::close);
        }
    }
}
