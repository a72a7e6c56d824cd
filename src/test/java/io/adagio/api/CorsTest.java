package io.adagio.api;

import io.adagio.support.Http;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.http.HttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

/** Cross-origin access: off unless origins are configured; then only theirs, with the headers the API needs. */
class CorsTest {
    static Http.Reply preflight(int port, String origin) {
        Http http = new Http(port);
        return http.send(HttpRequest.newBuilder(http.uri("/v0/runs")).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin).header("Access-Control-Request-Method", "PUT")
                .header("Access-Control-Request-Headers", "authorization,content-type"));
    }

    static Http.Reply get(int port, String origin) {
        Http http = new Http(port);
        return http.send(HttpRequest.newBuilder(http.uri("/v0/stats")).header("Origin", origin).GET());
    }

    @Nested
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "adagio.mode=api")
    class ByDefault {
        @LocalServerPort
        int port;

        @Test
        void noOriginIsAllowed() {
            assertThat(preflight(port, "https://ui.example.com").header("Access-Control-Allow-Origin")).isNull();
            assertThat(get(port, "https://ui.example.com").header("Access-Control-Allow-Origin")).isNull();
        }
    }

    @Nested
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"adagio.mode=api",
            "adagio.security.cors.allowed-origins=https://ui.example.com"})
    class WithAnOrigin {
        @LocalServerPort
        int port;

        @Test
        void onlyThatOriginIsAllowedWithTheApisHeaders() {
            Http.Reply ok = preflight(port, "https://ui.example.com");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.header("Access-Control-Allow-Origin")).isEqualTo("https://ui.example.com");
            assertThat(ok.header("Access-Control-Allow-Headers")).containsIgnoringCase("authorization");
            assertThat(get(port, "https://ui.example.com").header("Access-Control-Allow-Origin")).isEqualTo("https://ui.example.com");
            Http.Reply other = preflight(port, "https://evil.example.com");
            assertThat(other.status()).isEqualTo(403);
            assertThat(other.header("Access-Control-Allow-Origin")).isNull();
        }
    }
}
