package io.adagio.config;

import io.adagio.repository.memory.InMemoryRepository;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Clock;

/** {@code adagio.backend=memory} (the default): state lives in this process. */
@Configuration(proxyBeanMethods = false)
@ServesApi
@ConditionalOnProperty(name = "adagio.backend", havingValue = "memory", matchIfMissing = true)
class MemoryBackendConfiguration {
    @Bean(destroyMethod = "close")
    InMemoryRepository memoryRepository(Clock clock, MemoryProperties memory) {
        return new InMemoryRepository(clock, memory.history(), memory.leaseCheckInterval());
    }
}
