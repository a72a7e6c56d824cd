package io.adagio.api;

import io.adagio.support.Http;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.http.HttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The UI is served by the service itself, from the jar, with no token (the API it calls is what is protected):
 * its pages at their own URLs, its scripts, the WebJars it uses, Swagger UI and the examples it offers.
 */
@WithTokens
class UiResourcesTest {
    @LocalServerPort
    int port;

    @ParameterizedTest
    @CsvSource({
            "/, text/html, <main id=\"main\"",
            "/runs, text/html, <main id=\"main\"",
            "/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV, text/html, <main id=\"main\"",
            "/start, text/html, <main id=\"main\"",
            "/agents, text/html, <main id=\"main\"",
            "/ui/app.js, text/javascript, DagView",
            "/ui/layout-worker.js, text/javascript, dagre",
            "/ui/style.css, text/css, .node",
            "/webjars/dagre/dist/dagre.min.js, text/javascript, graphlib",
            "/swagger-ui/, text/html, swagger-ui-bundle.js",
            "/webjars/swagger-ui/swagger-ui-bundle.js, text/javascript, SwaggerUIBundle",
            "/ui/examples/quickstart.json, application/json, \"nodes\""})
    void servedWithoutAToken(String path, String type, String content) {
        Http.Reply r = new Http(port).get(path);
        assertThat(r.status()).as(path).isEqualTo(200);
        assertThat(r.contentType()).as(path).startsWith(type);
        assertThat(r.body()).as(path).contains(content);
    }

    @Test
    void swaggerUiWithoutTheSlashRedirectsAndOtherPathsStayTheApisProblems() {
        Http http = new Http(port);
        Http.Reply r = http.send(HttpRequest.newBuilder(http.uri("/swagger-ui")).GET());
        assertThat(r.status()).isEqualTo(302);
        assertThat(r.header("Location")).endsWith("/swagger-ui/");
        Http.Reply unknown = http.send(HttpRequest.newBuilder(http.uri("/v0/nothing"))
                .header("Authorization", "Bearer " + SecurityMatrixTest.READER).GET());
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        assertThat(http.get("/runs/a/b").status()).as("no page there: the API's answer").isEqualTo(401);
    }
}
