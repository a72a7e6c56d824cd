package io.adagio.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Agent event streams.
 *
 * @param heartbeat    how often an open stream gets a keep-alive comment (so proxies keep it, dead clients are
 *                     noticed, and an agent can tell a silent stream from a dead one: the stream's
 *                     {@code Adagio-Keep-Alive} header says it, in milliseconds)
 * @param retry        the reconnect delay the stream advises clients ({@code retry:})
 * @param writeTimeout the longest a write to a client may block (it stopped reading): the stream is then ended;
 *                     also the web server's socket read and write timeout
 * @param maxStreamsPerAgent the most streams one agent id has open: opening one more ends its oldest (a
 *                     reconnect whose old connection has not been seen to die yet)
 * @param maxStreamsPerToken the most event streams (agents' and observers') one token has open: more are refused
 *                     429 {@code too-many-streams} (when tokens are configured)
 */
@ConfigurationProperties("adagio.sse")
public record SseProperties(@DefaultValue("15s") Duration heartbeat, @DefaultValue("1s") Duration retry,
                            @DefaultValue("10s") Duration writeTimeout, @DefaultValue("4") int maxStreamsPerAgent,
                            @DefaultValue("1000") int maxStreamsPerToken) {
}
