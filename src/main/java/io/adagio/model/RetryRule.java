package io.adagio.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How often a node may end with one conclusion before the failure is final.
 *
 * @param maxAttempts the most attempts with that conclusion, at least 1
 */
public record RetryRule(@JsonProperty("max_attempts") Integer maxAttempts) {
}
