package io.adagio.security;

import io.adagio.AdagioApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Tokens come from files too, one per property, as a mounted Kubernetes Secret gives them (a config tree). */
class TokensFromFilesTest {
    @Test
    void aConfigTreeOfFilesMakesTokens(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("adagio.security.tokens.ci.sha256"), Tokens.hashOf("ci-secret") + "\n");
        Files.writeString(dir.resolve("adagio.security.tokens.ci.roles"), "operator");
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(AdagioApplication.class)
                .properties("server.port=0", "adagio.mode=api", "spring.config.import=configtree:" + dir + "/").run()) {
            Tokens tokens = ctx.getBean(Tokens.class);
            assertThat(tokens.enabled()).isTrue();
            assertThat(tokens.authenticate("ci-secret").orElseThrow().has(Role.OPERATOR)).isTrue();
        }
    }
}
