package io.adagio.config;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * What one request may carry.
 *
 * @param maxNodes       the most nodes a run may have
 * @param maxRequestSize the largest request body; larger ones get 413
 * @param maxOutputSize  the largest output a finish may record; larger ones get 413 and change nothing
 */
@Validated
@ConfigurationProperties("adagio.limits")
public record LimitsProperties(@DefaultValue("10000") @Min(1) int maxNodes,
                               @DefaultValue("4MB") DataSize maxRequestSize,
                               @DefaultValue("1MB") DataSize maxOutputSize) {
}
