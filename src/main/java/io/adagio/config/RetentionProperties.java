package io.adagio.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * How long finished runs are kept.
 *
 * @param finished how long after its last node finished a completed run is deleted; absent (the default) keeps
 *                 runs forever, as the original does
 * @param interval how often a replica sweeps for runs to delete (each sweep looks at up to 100 completed runs)
 */
@ConfigurationProperties("adagio.retention")
public record RetentionProperties(Duration finished, @DefaultValue("1m") Duration interval) {
}
