package io.adagio.config;

import io.adagio.engine.GraphLimits;
import io.adagio.engine.GraphValidator;
import io.adagio.engine.RunFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Clock;

/** The pure engine parts the API uses. */
@Configuration(proxyBeanMethods = false)
@ServesApi
class EngineConfiguration {
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    GraphValidator graphValidator(LimitsProperties limits) {
        return new GraphValidator(new GraphLimits(limits.maxNodes()));
    }

    @Bean
    RunFactory runFactory(Clock clock) {
        return new RunFactory(clock);
    }
}
