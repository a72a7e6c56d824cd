package io.adagio.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.adagio.config.SecurityProperties;
import io.adagio.config.ServesApi;
import io.adagio.security.Caller;
import io.adagio.security.Role;
import io.adagio.security.Sessions;
import io.adagio.security.Tokens;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Browser sessions ({@link Sessions}): {@code POST /v0/session} trades a token for a signed {@code HttpOnly},
 * {@code SameSite=Strict} cookie (and the {@code XSRF-TOKEN} cookie whose value cookie-authenticated writes send
 * back as {@code X-XSRF-TOKEN}); {@code GET} says who the caller is and whether security is on; {@code DELETE} logs
 * out. EventSource streams in the browser then authenticate with the cookie: no token in a URL.
 */
@RestController
@ServesApi
class SessionController {
    private final Tokens tokens;
    private final Sessions sessions;
    private final SecurityProperties properties;

    SessionController(Tokens tokens, Sessions sessions, SecurityProperties properties) {
        this.tokens = tokens;
        this.sessions = sessions;
        this.properties = properties;
    }

    /** A login: the token to trade for a session. */
    record Login(String token) {
        @Override
        public String toString() {
            return "Login[token=(hidden)]"; // request logging never shows it
        }
    }

    /** Who the caller is ({@code name} and the rest absent when anonymous), and how it authenticated. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SessionView(boolean security, boolean authenticated, String name, List<String> roles, List<String> agents,
                       String via, @JsonProperty("expires_at") Instant expiresAt) {
        static SessionView of(boolean security, Caller c, String via, Instant expires) {
            if (c == null) {
                return new SessionView(security, false, null, null, null, null, null);
            }
            return new SessionView(true, true, c.name(), c.roles().stream().map(Role::configName).sorted().toList(),
                    c.agents(), via, expires);
        }
    }

    @GetMapping("/v0/session")
    SessionView whoAmI(HttpServletRequest req, CsrfToken csrf) {
        touch(csrf);
        Optional<Caller> c = WebSecurity.currentCaller();
        Object expires = req.getAttribute(WebSecurity.SESSION_EXPIRES);
        return SessionView.of(tokens.enabled(), c.orElse(null), expires == null ? "token" : "session",
                expires instanceof Instant i ? i : null);
    }

    @PostMapping("/v0/session")
    ResponseEntity<SessionView> login(@RequestBody Login login, HttpServletRequest req, HttpServletResponse res,
                                      CsrfToken csrf) {
        if (!tokens.enabled()) {
            return ResponseEntity.ok(SessionView.of(false, null, null, null)); // nothing to log in to
        }
        if (login == null || login.token() == null || login.token().isBlank()) {
            throw new ApiException(ProblemType.INVALID_REQUEST, "A login needs the token: {\"token\": \"…\"}.",
                    Map.of("field", "token"));
        }
        Caller caller = tokens.authenticate(login.token().trim()).orElseThrow(() -> new ApiException(
                ProblemType.UNAUTHENTICATED, "The token is not one of this service's.", Map.of()));
        Sessions.Session s = sessions.issue(caller);
        touch(csrf);
        // added to the response itself: a ResponseEntity's Set-Cookie would replace the XSRF-TOKEN cookie's
        res.addHeader(HttpHeaders.SET_COOKIE, cookie(s.value(), sessions.ttl(), req).toString());
        return ResponseEntity.ok().header(HttpHeaders.CACHE_CONTROL, "no-store")
                .body(SessionView.of(true, caller, "session", s.expiresAt()));
    }

    @DeleteMapping("/v0/session")
    ResponseEntity<Void> logout(HttpServletRequest req, HttpServletResponse res) {
        res.addHeader(HttpHeaders.SET_COOKIE, cookie("", Duration.ZERO, req).toString());
        return ResponseEntity.noContent().build();
    }

    private ResponseCookie cookie(String value, Duration maxAge, HttpServletRequest req) {
        Boolean secure = properties.session().secure();
        return ResponseCookie.from(WebSecurity.SESSION_COOKIE, value).httpOnly(true).sameSite("Strict").path("/")
                .maxAge(maxAge).secure(secure != null ? secure : req.isSecure()).build();
    }

    /** Reading the CSRF token makes the filter send its cookie, which the page then echoes on its writes. */
    private static void touch(CsrfToken csrf) {
        if (csrf != null) {
            csrf.getToken();
        }
    }
}
