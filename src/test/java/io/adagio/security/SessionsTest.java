package io.adagio.security;

import io.adagio.support.MovableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Signed browser sessions: verified by any holder of the secret, until they expire or their token changes. */
class SessionsTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private final MovableClock clock = new MovableClock();

    private static Tokens tokens(String opsToken) {
        return new Tokens(Map.of("ops", new Tokens.Spec(Tokens.hashOf(opsToken), List.of("operator"), List.of()),
                "viewer", new Tokens.Spec(Tokens.hashOf("viewer-token"), List.of("reader"), List.of())));
    }

    private Sessions sessions(Tokens tokens, String secret) {
        return new Sessions(tokens, secret, Duration.ofHours(8), clock);
    }

    @Test
    void aSessionNamesItsTokensCallerOnEveryReplicaWithTheSecretUntilItExpires() {
        Tokens tokens = tokens("ops-token");
        Caller ops = tokens.authenticate("ops-token").orElseThrow();
        Sessions.Session s = sessions(tokens, SECRET).issue(ops);
        assertThat(s.value()).doesNotContain("ops-token");
        Sessions other = sessions(tokens, SECRET); // another replica
        assertThat(other.verify(s.value())).map(Sessions.Verified::caller).contains(ops);
        clock.advance(Duration.ofHours(8).minusSeconds(2));
        assertThat(other.verify(s.value())).isPresent();
        clock.advance(Duration.ofSeconds(2));
        assertThat(other.verify(s.value())).as("expired").isEmpty();
    }

    @Test
    void aForgedOrAlteredSessionIsRefused() {
        Tokens tokens = tokens("ops-token");
        Sessions sessions = sessions(tokens, SECRET);
        String viewer = sessions.issue(tokens.authenticate("viewer-token").orElseThrow()).value();
        String[] parts = viewer.split("\\.");
        String asOps = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("ops".getBytes())
                + "." + parts[2] + "." + parts[3];
        assertThat(sessions.verify(asOps)).as("another token's name under this signature").isEmpty();
        String later = parts[0] + "." + parts[1] + "." + (Long.parseLong(parts[2]) + 86_400) + "." + parts[3];
        assertThat(sessions.verify(later)).as("a later expiry").isEmpty();
        assertThat(sessions(tokens, "another-secret-another-secret-xx").verify(viewer)).as("another secret").isEmpty();
        String huge = parts[0] + "." + parts[1] + ".99999999999999999." + parts[3];
        for (String junk : List.of("", "v1", "v1.a.b.c", "v2." + viewer.substring(3), viewer + ".x", "v1.!!.1.AA", huge,
                parts[0] + "." + parts[1] + ".-99999999999999999999." + parts[3])) {
            assertThat(sessions.verify(junk)).as(junk).isEmpty();
        }
        assertThat(sessions.verify(viewer)).isPresent();
    }

    @Test
    void changingOrRemovingTheTokenEndsItsSessions() {
        Sessions before = sessions(tokens("ops-token"), SECRET);
        String s = before.issue(tokens("ops-token").authenticate("ops-token").orElseThrow()).value();
        assertThat(sessions(tokens("rotated-token"), SECRET).verify(s)).as("the token was changed").isEmpty();
        Tokens without = new Tokens(Map.of("viewer", new Tokens.Spec(Tokens.hashOf("viewer-token"), List.of("reader"), List.of())));
        assertThat(sessions(without, SECRET).verify(s)).as("the token was removed").isEmpty();
    }

    @Test
    void withoutASecretOnlyThisProcessVerifiesItsSessionsAndAShortSecretIsRefused() {
        Tokens tokens = tokens("ops-token");
        Sessions one = sessions(tokens, "");
        String s = one.issue(tokens.authenticate("ops-token").orElseThrow()).value();
        assertThat(one.verify(s)).isPresent();
        assertThat(sessions(tokens, null).verify(s)).isEmpty();
        assertThatThrownBy(() -> sessions(tokens, "short")).hasMessageContaining("adagio.security.session.secret");
    }
}
