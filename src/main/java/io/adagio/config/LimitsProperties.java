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
 * @param maxOutputSize   the largest output a finish may record; larger ones get 413 and change nothing
 * @param maxMetadataSize the largest metadata of a node's spec or of a result (keys and values, UTF-8); 413
 * @param maxRunSize      the most a run may make the store keep (its node specs twice, its edges once); 413
 */
@Validated
@ConfigurationProperties("adagio.limits")
public record LimitsProperties(@DefaultValue("10000") @Min(1) int maxNodes,
                               @DefaultValue("4MB") DataSize maxRequestSize,
                               @DefaultValue("1MB") DataSize maxOutputSize,
                               @DefaultValue("64KB") DataSize maxMetadataSize,
                               @DefaultValue("8MB") DataSize maxRunSize) {
    /** The limits the control plane checks. */
    public io.adagio.control.Limits limits() {
        return new io.adagio.control.Limits(maxOutputSize.toBytes(), maxMetadataSize.toBytes(), maxRunSize.toBytes());
    }
}
