package io.adagio.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Agent event streams.
 *
 * @param heartbeat the longest an open stream goes without a comment line (so proxies keep it and dead clients
 *                  are noticed); streams also write one every lease TTL/6, as they renew their agent's lease
 * @param retry     the reconnect delay the stream advises clients ({@code retry:})
 */
@ConfigurationProperties("adagio.sse")
public record SseProperties(@DefaultValue("15s") Duration heartbeat, @DefaultValue("1s") Duration retry) {
}
