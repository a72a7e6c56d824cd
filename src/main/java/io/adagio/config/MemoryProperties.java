package io.adagio.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * The in-memory backend.
 *
 * @param history            how many events are kept for agents that reconnect with Last-Event-ID
 * @param leaseCheckInterval how often expired agent leases are looked for
 */
@ConfigurationProperties("adagio.memory")
public record MemoryProperties(@DefaultValue("100000") int history,
                               @DefaultValue("200ms") Duration leaseCheckInterval) {
}
