package io.adagio.config;

import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Tomcat answers an encoded slash ({@code %2F}) in a path with its own HTML 400 before the application sees
 * the request. Decoding it instead lets such a path reach the application, which answers a problem: node
 * names and agent ids cannot contain '/', so such a node is not found (404) and such an agent id is invalid
 * (400).
 */
@Configuration(proxyBeanMethods = false)
class WebServerConfiguration {
    @Bean
    TomcatConnectorCustomizer decodeEncodedSlashes() {
        return connector -> connector.setEncodedSolidusHandling("decode");
    }
}
