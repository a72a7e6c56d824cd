package io.adagio.api;

import io.adagio.support.Http;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests the web server refuses before the application sees them are problem+json too, not Tomcat's HTML page:
 * sent over a raw socket, since an HTTP client would refuse to send most of them. With tokens configured, so the
 * refusal comes before (and instead of) a 401.
 */
@WithTokens
class ContainerProblemsTest {
    @LocalServerPort
    int port;

    /** Status line, headers and body of the answer to {@code request}, sent as bytes. */
    private String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String get(String target, String extraHeader) {
        return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extraHeader + "Connection: close\r\n\r\n";
    }

    private static void isProblem(String answer, int status, String type) {
        assertThat(answer).startsWith("HTTP/1.1 " + status + " ");
        String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
        assertThat(head).contains("content-type: application/problem+json");
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        var tree = Http.tree(body.substring(body.indexOf('{'), body.lastIndexOf('}') + 1));
        assertThat(tree.path("type").asString()).isEqualTo("https://adagio.dev/problems/" + type);
        assertThat(tree.path("status").asInt()).isEqualTo(status);
        assertThat(tree.path("detail").asString()).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v0/agents/a%00b/claims", "/v0/runs/a|b", "/v0/runs/%zz", "/v0/runs/a%5Cb/graph",
            "/v0/runs/../x", "/v0/runs/a;b", "/v0/agents/a%2e%2e/events"})
    void aMalformedPathIsAnInvalidRequestProblem(String target) throws IOException {
        isProblem(raw(get(target, "")), 400, "invalid-request");
    }

    @Test
    void aMalformedPathOfAWriteIsRefusedTheSameWay() throws IOException {
        String answer = raw("POST /v0/runs/a%00b/cancel HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n"
                + "Connection: close\r\n\r\n");
        isProblem(answer, 400, "invalid-request");
    }

    @Test
    void anOversizedUrlIsARequestHeaderTooLargeProblem() throws IOException {
        isProblem(raw(get("/v0/runs/" + "a".repeat(10_000), "")), 431, "request-header-too-large");
    }

    @Test
    void anOversizedHeaderIsARequestHeaderTooLargeProblem() throws IOException {
        isProblem(raw(get("/v0/runs", "X-Big: " + "a".repeat(10_000) + "\r\n")), 431, "request-header-too-large");
    }

    @Test
    void theApplicationsOwnProblemsAreUnchanged() throws IOException {
        String answer = raw(get("/v0/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV", "Authorization: Bearer " + SecurityMatrixTest.READER + "\r\n"));
        isProblem(answer, 404, "run-not-found");
        isProblem(raw(get("/v0/runs", "")), 401, "unauthenticated");
    }

    @Test
    void everyStatusTomcatChoosesIsKeptWithItsOwnTypeOrNone() {
        assertThat(ContainerProblems.ProblemValve.problem(404, null).getType().toString()).endsWith("/not-found");
        assertThat(ContainerProblems.ProblemValve.problem(413, "Request entity too large").getStatus())
                .as("a 413 stays a 413").isEqualTo(413);
        assertThat(ContainerProblems.ProblemValve.problem(400, "Request header is too large").getStatus()).isEqualTo(431);
        var other = ContainerProblems.ProblemValve.problem(501, "Not implemented");
        assertThat(other.getStatus()).isEqualTo(501);
        assertThat(other.getType().toString()).isEqualTo("about:blank");
        assertThat(ContainerProblems.ProblemValve.problem(408, null).getStatus()).isEqualTo(408);
    }
}
