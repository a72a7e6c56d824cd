package io.adagio.security;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokensTest {
    private static Tokens.Spec spec(String token, List<String> roles, List<String> agents) {
        return new Tokens.Spec(Tokens.hashOf(token), roles, agents);
    }

    @Test
    void aTokenIsKnownByItsHashAndMakesItsCaller() {
        Tokens tokens = new Tokens(Map.of("ci", spec("ci-secret", List.of("operator"), List.of()),
                "pool", spec("pool-secret", List.of("agent"), List.of("pool-*", "solo"))));
        assertThat(tokens.enabled()).isTrue();
        Caller ci = tokens.authenticate("ci-secret").orElseThrow();
        assertThat(ci.name()).isEqualTo("ci");
        assertThat(ci.has(Role.OPERATOR)).isTrue();
        assertThat(ci.has(Role.READER)).as("an operator reads too").isTrue();
        assertThat(ci.has(Role.AGENT)).isFalse();
        assertThat(ci.mayActAs("pool-1")).isFalse();
        Caller pool = tokens.authenticate("pool-secret").orElseThrow();
        assertThat(pool.mayActAs("pool-7")).isTrue();
        assertThat(pool.mayActAs("solo")).isTrue();
        assertThat(pool.mayActAs("solo-2")).as("an exact id is no prefix").isFalse();
        assertThat(pool.mayActAs("other")).isFalse();
        assertThat(pool.has(Role.READER)).isFalse();
        assertThat(tokens.authenticate("ci-secret ")).isEmpty();
        assertThat(tokens.authenticate(Tokens.hashOf("ci-secret"))).as("the hash is no token").isEmpty();
        assertThat(tokens.authenticate(null)).isEmpty();
    }

    @Test
    void anAdminMayDoEverythingAsAnyAgent() {
        Caller admin = new Tokens(Map.of("root", spec("r", List.of("admin"), List.of()))).authenticate("r").orElseThrow();
        assertThat(Role.values()).allMatch(admin::has);
        assertThat(admin.mayActAs("anyone")).isTrue();
    }

    @Test
    void whatCannotBeRightIsRefusedWithItsProperty() {
        assertThatThrownBy(() -> new Tokens(Map.of("ci", new Tokens.Spec("my-plain-token", List.of("reader"), List.of()))))
                .hasMessageContaining("adagio.security.tokens.ci.sha256").hasMessageContaining("never the token itself");
        assertThatThrownBy(() -> new Tokens(Map.of("ci", spec("t", List.of("superuser"), List.of()))))
                .hasMessageContaining("adagio.security.tokens.ci.roles").hasMessageContaining("superuser");
        assertThatThrownBy(() -> new Tokens(Map.of("ci", spec("t", List.of(), List.of()))))
                .hasMessageContaining("roles is empty");
        assertThatThrownBy(() -> new Tokens(Map.of("pool", spec("t", List.of("agent"), List.of()))))
                .hasMessageContaining("adagio.security.tokens.pool.agents");
        assertThatThrownBy(() -> new Tokens(Map.of("pool", spec("t", List.of("agent"), List.of("a*b")))))
                .hasMessageContaining("neither an agent id nor a prefix");
        assertThatThrownBy(() -> new Tokens(new java.util.TreeMap<>(Map.of("a", spec("same", List.of("reader"), List.of()),
                "b", spec("same", List.of("admin"), List.of()))))).hasMessageContaining("also the hash of token a");
    }

    @Test
    void withoutTokensNothingIsEnabled() {
        assertThat(new Tokens(Map.of()).enabled()).isFalse();
        assertThat(new Tokens(null).authenticate("x")).isEmpty();
    }
}
