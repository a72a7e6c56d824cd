package io.adagio.api;

import io.adagio.support.Http;
import io.adagio.support.SseClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A browser logs in with a token once and then works with cookies: a signed {@code HttpOnly}, {@code SameSite=Strict}
 * session cookie authenticates its reads, its EventSource streams and — with the XSRF-TOKEN cookie's value echoed
 * as {@code X-XSRF-TOKEN} — its writes. A write with the session cookie but without that header is refused and
 * changes nothing; the token never appears in a URL or in a cookie.
 */
@WithTokens
class BrowserSessionTest {
    private static final String GRAPH = "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"}],\"edges\":[]}}";

    @LocalServerPort
    int port;

    /** The cookies a browser would keep, by name. */
    private final Map<String, String> jar = new LinkedHashMap<>();

    private Http.Reply send(String method, String path, String body, Map<String, String> headers) {
        Http http = new Http(port);
        HttpRequest.Builder b = HttpRequest.newBuilder(http.uri(path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (!jar.isEmpty()) {
            b.header("Cookie", cookieHeader());
        }
        headers.forEach(b::header);
        Http.Reply r = http.send(b);
        for (String set : r.raw().headers().allValues("Set-Cookie")) {
            String pair = set.split(";", 2)[0];
            String name = pair.substring(0, pair.indexOf('='));
            String value = pair.substring(pair.indexOf('=') + 1);
            if (value.isEmpty() || set.toLowerCase(java.util.Locale.ROOT).contains("max-age=0")) {
                jar.remove(name);
            } else {
                jar.put(name, value);
            }
        }
        return r;
    }

    private String cookieHeader() {
        return String.join("; ", jar.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    }

    private Http.Reply login(String token) {
        return send("POST", "/v0/session", "{\"token\":\"" + token + "\"}", Map.of());
    }

    private int runs() {
        return new Http(port).send(HttpRequest.newBuilder(new Http(port).uri("/v0/runs?limit=1000"))
                .header("Authorization", "Bearer " + SecurityMatrixTest.ADMIN).GET()).json().path("runs").size();
    }

    @Test
    void aLoginSetsAnHttpOnlyStrictSessionCookieThatAuthenticatesReadsAndStreams() {
        Http.Reply anonymous = send("GET", "/v0/session", null, Map.of());
        assertThat(anonymous.status()).isEqualTo(200);
        assertThat(anonymous.json().path("security").asBoolean()).isTrue();
        assertThat(anonymous.json().path("authenticated").asBoolean()).isFalse();
        assertThat(send("GET", "/v0/runs", null, Map.of()).status()).isEqualTo(401);

        Http.Reply in = login(SecurityMatrixTest.OPERATOR);
        assertThat(in.status()).isEqualTo(200);
        assertThat(in.json().path("name").asString()).isEqualTo("operator");
        assertThat(in.json().path("roles").toString()).contains("operator", "reader");
        assertThat(in.json().path("expires_at").asString()).isNotBlank();
        String session = in.raw().headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(WebSecurity.SESSION_COOKIE + "=")).findFirst().orElseThrow();
        assertThat(session).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/").contains("Max-Age=28800")
                .doesNotContain(SecurityMatrixTest.OPERATOR);
        assertThat(jar).containsKey("XSRF-TOKEN");
        assertThat(in.header("Cache-Control")).isEqualTo("no-store");

        assertThat(send("GET", "/v0/runs", null, Map.of()).status()).as("a read with the cookie").isEqualTo(200);
        Http.Reply me = send("GET", "/v0/session", null, Map.of());
        assertThat(me.json().path("authenticated").asBoolean()).isTrue();
        assertThat(me.json().path("via").asString()).isEqualTo("session");

        Http http = new Http(port);
        try (SseClient stream = SseClient.open(http, "/v0/events", null, Map.of("Cookie", cookieHeader()))) {
            assertThat(stream.response().statusCode()).as("an EventSource with the cookie").isEqualTo(200);
            assertThat(stream.response().headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        }
    }

    @Test
    void aWriteWithTheSessionCookieNeedsTheXsrfHeaderAndChangesNothingWithout() {
        login(SecurityMatrixTest.OPERATOR);
        int before = runs();
        Http.Reply forged = send("POST", "/v0/runs", GRAPH, Map.of());
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.problem()).isEqualTo("csrf");
        Http.Reply wrong = send("POST", "/v0/runs", GRAPH, Map.of("X-XSRF-TOKEN", "not-the-cookies-value"));
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.problem()).isEqualTo("csrf");
        assertThat(runs()).as("nothing started").isEqualTo(before);

        Http.Reply started = send("POST", "/v0/runs", GRAPH, Map.of("X-XSRF-TOKEN", jar.get("XSRF-TOKEN")));
        assertThat(started.status()).isEqualTo(201);
        assertThat(runs()).isEqualTo(before + 1);
        String run = started.json().path("run").path("id").asString();
        assertThat(send("POST", "/v0/runs/" + run + "/cancel", "{}", Map.of("X-XSRF-TOKEN", jar.get("XSRF-TOKEN"))).status())
                .isEqualTo(200);
    }

    @Test
    void aReadersSessionHasTheReadersRolesOnly() {
        login(SecurityMatrixTest.READER);
        assertThat(send("GET", "/v0/stats", null, Map.of()).status()).isEqualTo(200);
        Http.Reply start = send("POST", "/v0/runs", GRAPH, Map.of("X-XSRF-TOKEN", jar.get("XSRF-TOKEN")));
        assertThat(start.status()).isEqualTo(403);
        assertThat(start.problem()).isEqualTo("forbidden");
    }

    @Test
    void aBadTokenGetsNoSessionAndABadCookieIsAnonymous() {
        Http.Reply bad = login("not-a-token");
        assertThat(bad.status()).isEqualTo(401);
        assertThat(bad.problem()).isEqualTo("unauthenticated");
        assertThat(bad.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(bad.raw().headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith(WebSecurity.SESSION_COOKIE));
        assertThat(send("POST", "/v0/session", "{}", Map.of()).status()).isEqualTo(400);

        jar.put(WebSecurity.SESSION_COOKIE, "v1.b3BlcmF0b3I.9999999999.AAAA");
        Http.Reply forged = send("GET", "/v0/runs", null, Map.of());
        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.json().path("detail").asString()).contains("log in again");
        assertThat(send("GET", "/actuator/health", null, Map.of()).status()).as("open paths stay open").isEqualTo(200);
    }

    @Test
    void aLogoutClearsTheCookie() {
        login(SecurityMatrixTest.OPERATOR);
        String xsrf = jar.get("XSRF-TOKEN");
        Http.Reply out = send("DELETE", "/v0/session", null, Map.of("X-XSRF-TOKEN", xsrf));
        assertThat(out.status()).isEqualTo(204);
        List<String> cleared = out.raw().headers().allValues("Set-Cookie");
        assertThat(cleared).anyMatch(c -> c.startsWith(WebSecurity.SESSION_COOKIE + "=;") && c.contains("Max-Age=0"));
        assertThat(jar).doesNotContainKey(WebSecurity.SESSION_COOKIE);
        assertThat(send("GET", "/v0/runs", null, Map.of()).status()).isEqualTo(401);
    }

    @Test
    void bearerCallsNeedNoXsrfHeader() {
        Http.Reply r = new Http(port).send(HttpRequest.newBuilder(new Http(port).uri("/v0/runs"))
                .header("Authorization", "Bearer " + SecurityMatrixTest.OPERATOR).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GRAPH)));
        assertThat(r.status()).isEqualTo(201);
    }
}
