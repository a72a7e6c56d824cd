package io.adagio.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Agent leases.
 *
 * @param ttl how long an agent stays registered without a heartbeat or an open stream
 */
@ConfigurationProperties("adagio.leases")
public record LeaseProperties(@DefaultValue("10s") Duration ttl) {
}
