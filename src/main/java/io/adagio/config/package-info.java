/**
 * Configuration: one {@code @ConfigurationProperties} record per concern, and the wiring that picks the
 * backend ({@code adagio.backend}) and the mode ({@code adagio.mode}).
 */
package io.adagio.config;
