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
