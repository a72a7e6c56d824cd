package io.adagio.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Agent event streams.
 *
 * @param heartbeat how often an idle stream sends a comment line (so dead clients and proxies notice)
 * @param retry     the reconnect delay the stream advises clients ({@code retry:})
 */
@ConfigurationProperties("adagio.sse")
public record SseProperties(@DefaultValue("15s") Duration heartbeat, @DefaultValue("1s") Duration retry) {
}
