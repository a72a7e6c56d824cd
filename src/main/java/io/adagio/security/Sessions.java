package io.adagio.security;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Browser sessions: after a token login, a browser holds a signed value (in an {@code HttpOnly} cookie) instead of
 * the token. The value names the token and when it expires, signed with HMAC-SHA256 under a secret the replicas
 * share ({@code adagio.security.session.secret}); the signature also covers the token's configured hash, so
 * changing or removing a token ends its sessions, and a session's roles are always the token's current ones.
 * Nothing is stored: any replica with the secret verifies any session.
 */
public final class Sessions {
    private static final String VERSION = "v1";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder UNB64 = Base64.getUrlDecoder();

    /** A session issued: its value (for the cookie) and when it expires. */
    public record Session(String value, Instant expiresAt) {
    }

    private final Tokens tokens;
    private final SecretKeySpec key;
    private final Duration ttl;
    private final Clock clock;

    /**
     * @param secret the shared secret (at least 32 bytes); null or empty: a random one, so only this process
     *               verifies its sessions
     * @throws IllegalArgumentException for a secret shorter than 32 bytes, or a ttl that is not positive
     */
    public Sessions(Tokens tokens, String secret, Duration ttl, Clock clock) {
        byte[] bytes;
        if (secret == null || secret.isEmpty()) {
            bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
        } else {
            bytes = secret.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < 32) {
                throw new IllegalArgumentException("adagio.security.session.secret must be at least 32 bytes "
                        + "(e.g. openssl rand -hex 32)");
            }
        }
        if (ttl == null || ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException("adagio.security.session.ttl must be positive");
        }
        this.tokens = tokens;
        this.key = new SecretKeySpec(bytes, "HmacSHA256");
        this.ttl = ttl;
        this.clock = clock;
    }

    /** How long a session lasts. */
    public Duration ttl() {
        return ttl;
    }

    /** A new session for the caller of a token that was just presented. */
    public Session issue(Caller caller) {
        Instant expires = clock.instant().plus(ttl).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String name = B64.encodeToString(caller.name().getBytes(StandardCharsets.UTF_8));
        String body = VERSION + "." + name + "." + expires.getEpochSecond();
        byte[] hash = tokens.hashNamed(caller.name()).orElseThrow();
        return new Session(body + "." + B64.encodeToString(sign(body, hash)), expires);
    }

    /** The caller of a session value; empty when it is malformed, forged, expired, or its token has changed. */
    public Optional<Verified> verify(String value) {
        if (value == null || value.length() > 1024) {
            return Optional.empty();
        }
        String[] parts = value.split("\\.", -1);
        if (parts.length != 4 || !VERSION.equals(parts[0])) {
            return Optional.empty();
        }
        try {
            String name = new String(UNB64.decode(parts[1]), StandardCharsets.UTF_8);
            byte[] given = UNB64.decode(parts[3]);
            Optional<byte[]> hash = tokens.hashNamed(name);
            if (hash.isEmpty()) {
                return Optional.empty();
            }
            byte[] expected = sign(parts[0] + "." + parts[1] + "." + parts[2], hash.get());
            if (!MessageDigest.isEqual(expected, given)) {
                return Optional.empty(); // checked before the expiry is read: only our own values get parsed
            }
            Instant expires = Instant.ofEpochSecond(Long.parseLong(parts[2]));
            if (!clock.instant().isBefore(expires)) {
                return Optional.empty();
            }
            return tokens.named(name).map(c -> new Verified(c, expires));
        } catch (IllegalArgumentException | java.time.DateTimeException | ArithmeticException e) {
            return Optional.empty(); // bad base64, number or instant
        }
    }

    /** A verified session: its caller and when it expires. */
    public record Verified(Caller caller, Instant expiresAt) {
    }

    private byte[] sign(String body, byte[] tokenHash) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(body.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return mac.doFinal(tokenHash);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
