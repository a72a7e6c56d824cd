package io.adagio.security;

import io.adagio.config.SecurityProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Tokens come as environment variables too, as the Helm chart gives them (from a Secret). */
class TokensFromEnvironmentTest {
    @Test
    void environmentVariablesMakeTokens() {
        MutablePropertySources sources = new MutablePropertySources();
        sources.addFirst(new SystemEnvironmentPropertySource("systemEnvironment", Map.of(
                "ADAGIO_SECURITY_TOKENS_AGENTS_SHA256", Tokens.hashOf("pool-secret"),
                "ADAGIO_SECURITY_TOKENS_AGENTS_ROLES", "agent",
                "ADAGIO_SECURITY_TOKENS_AGENTS_AGENTS", "prod-adagio-agent-*,solo",
                "ADAGIO_SECURITY_TOKENS_ADMIN_SHA256", Tokens.hashOf("root-secret"),
                "ADAGIO_SECURITY_TOKENS_ADMIN_ROLES", "admin")));
        SecurityProperties p = new Binder(ConfigurationPropertySources.from(sources))
                .bind("adagio.security", SecurityProperties.class).get();
        assertThat(p.tokens()).containsOnlyKeys("agents", "admin");
        assertThat(p.tokens().get("agents").agents()).isEqualTo(List.of("prod-adagio-agent-*", "solo"));
        Map<String, Tokens.Spec> specs = new java.util.LinkedHashMap<>();
        p.tokens().forEach((k, t) -> specs.put(k, new Tokens.Spec(t.sha256(), t.roles(), t.agents())));
        Caller pool = new Tokens(specs).authenticate("pool-secret").orElseThrow();
        assertThat(pool.mayActAs("prod-adagio-agent-7d9f-x2-0")).isTrue();
    }
}
