package io.adagio.model;

/** A dependency: {@code destination} may run only after {@code source} succeeded. */
public record Edge(String source, String destination) {
}
