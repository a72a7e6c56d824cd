package io.adagio.agent;

import io.adagio.config.AgentProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The pool's settings as the README documents them: {@code adagio.agent.slots}, its default and its bounds. */
class AgentPropertiesTest {
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(AgentProperties.class)
    static class Bound {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Bound.class);

    @Test
    void anAgentHoldsOneNodeAtATimeUnlessToldOtherwise() {
        runner.run(ctx -> assertThat(ctx.getBean(AgentProperties.class).slots()).isEqualTo(1));
    }

    @Test
    void slotsAreReadFromTheEnvironmentVariableTheReadmeNames() {
        runner.withInitializer(ctx -> ctx.getEnvironment().getPropertySources().addFirst(
                        new SystemEnvironmentPropertySource("env", Map.of("ADAGIO_AGENT_SLOTS", "8"))))
                .run(ctx -> assertThat(ctx.getBean(AgentProperties.class).slots()).isEqualTo(8));
    }

    @Test
    void fewerThanOneSlotIsRefusedAtStartup() {
        runner.withPropertyValues("adagio.agent.slots=0").run(ctx -> assertThat(ctx).hasFailed()
                .getFailure().rootCause().hasMessageContaining("slots"));
    }
}
