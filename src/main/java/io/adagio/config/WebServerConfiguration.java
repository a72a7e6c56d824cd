package io.adagio.config;

import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;

/**
 * The web server's settings the service depends on.
 * <ul>
 * <li>Tomcat answers an encoded slash ({@code %2F}) in a path with its own HTML 400 before the application sees
 *     the request. Decoding it instead lets such a path reach the application, which answers a problem: node
 *     names and agent ids cannot contain '/', so such a node is not found (404) and such an agent id is invalid
 *     (400).</li>
 * <li>A blocked socket write fails after Tomcat's connection timeout, which is therefore
 *     {@code adagio.sse.write-timeout}: a client that stops reading its event stream holds a thread at most that
 *     long. Idle keep-alive connections keep Tomcat's own default (60 s) unless
 *     {@code server.tomcat.keep-alive-timeout} says otherwise.</li>
 * <li>A body over {@code adagio.limits.max-request-size} is answered 413 before it is read. Tomcat then reads and
 *     discards the rest of it, up to its swallow limit, so that the client (still sending) gets to read that
 *     answer; past the limit it closes the connection and the client sees a reset instead of the problem. The
 *     limit is twice the largest body taken (Tomcat's own, 2 MB, is less than our default largest body): a body a
 *     little too large gets its 413, a much larger one still costs the server at most that much reading.</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class WebServerConfiguration {
    private static final Duration IDLE = Duration.ofSeconds(60);

    @Bean
    TomcatConnectorCustomizer decodeEncodedSlashes() {
        return connector -> connector.setEncodedSolidusHandling("decode");
    }

    @Bean
    TomcatConnectorCustomizer swallowOversizedBodies(LimitsProperties limits) {
        long swallow = Math.min(Integer.MAX_VALUE, 2 * limits.maxRequestSize().toBytes());
        return connector -> {
            if (connector.getProtocolHandler() instanceof AbstractHttp11Protocol<?> http) {
                http.setMaxSwallowSize((int) swallow);
            }
        };
    }

    @Bean
    TomcatConnectorCustomizer writeDeadline(SseProperties sse,
                                            @org.springframework.beans.factory.annotation.Value("${server.tomcat.keep-alive-timeout:}") String keepAlive) {
        return connector -> {
            if (connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol) {
                protocol.setConnectionTimeout((int) sse.writeTimeout().toMillis());
                if (keepAlive.isBlank() && protocol instanceof AbstractHttp11Protocol<?> http) {
                    http.setKeepAliveTimeout((int) IDLE.toMillis());
                }
            }
        };
    }
}
