package io.adagio.config;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.util.List;
import java.util.Map;

/**
 * Who may call the API ({@code adagio.security}). No token configured: the API is open (the embedded default on a
 * laptop).
 *
 * @param cors   cross-origin access for browser pages served elsewhere; off by default
 * @param session browser sessions
 * @param tokens token name → its hash, roles and agent ids; from properties, the environment
 *               ({@code ADAGIO_SECURITY_TOKENS_<NAME>_SHA256}) or files ({@code spring.config.import=configtree:…},
 *               e.g. a mounted Kubernetes Secret)
 */
@ConfigurationProperties("adagio.security")
public record SecurityProperties(Map<String, Token> tokens, Cors cors, Session session) {
    public SecurityProperties {
        tokens = tokens == null ? Map.of() : Map.copyOf(tokens);
        cors = cors == null ? new Cors(List.of()) : cors;
        session = session == null ? new Session(null, null, null) : session;
    }

    /**
     * Browser sessions after a token login ({@code POST /v0/session}): a signed {@code HttpOnly} cookie.
     *
     * @param secret the secret sessions are signed with, the same on every replica (at least 32 bytes); when not
     *               set each process draws its own, so a session holds on the replica that issued it only
     * @param ttl    how long a session lasts (8 h by default)
     * @param secure whether the cookie is {@code Secure} (sent over HTTPS only); by default when the login came
     *               over HTTPS
     */
    public record Session(String secret, java.time.Duration ttl, Boolean secure) {
        public Session {
            ttl = ttl == null ? java.time.Duration.ofHours(8) : ttl;
        }
    }

    /**
     * Cross-origin requests from browsers: off (no origin allowed) unless origins are listed.
     *
     * @param allowedOrigins origins such as {@code https://ui.example.com} whose pages may call the API
     */
    public record Cors(List<String> allowedOrigins) {
        public Cors {
            allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
        }
    }

    /**
     * @param sha256 the hex SHA-256 of the token (never the token)
     * @param roles  {@code reader}, {@code operator}, {@code agent}, {@code admin} (comma-separated)
     * @param agents the agent ids the token may act as: exact ids, or prefixes ending in {@code *}
     * @param startsPerMinute the most runs it may start per minute (a burst of that many, then one per
     *               {@code 60 s / n}); unlimited when not set
     */
    public record Token(String sha256, List<String> roles, List<String> agents, Integer startsPerMinute) {
    }
}
