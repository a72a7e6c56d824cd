package io.adagio.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What this process is.
 *
 * @param mode    {@code all} (default), {@code api} or {@code agent}
 * @param backend {@code memory} (default) or {@code etcd}
 */
@ConfigurationProperties("adagio")
public record ServiceProperties(@DefaultValue("all") Mode mode, @DefaultValue("memory") Backend backend) {
}
