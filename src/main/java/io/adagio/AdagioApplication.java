package io.adagio;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The adagio service: control-plane API, agent pool, or both, on the memory or etcd backend. Spring Boot's default
 * user (a generated password, logged) is left out: callers present bearer tokens ({@code io.adagio.security}).
 */
@SpringBootApplication(exclude = org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration.class)
@ConfigurationPropertiesScan
public class AdagioApplication {
    public static void main(String[] args) {
        SpringApplication.run(AdagioApplication.class, args);
    }
}
