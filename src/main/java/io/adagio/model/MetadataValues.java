package io.adagio.model;

import java.util.List;

/** The values of one metadata key, wrapped as the original does: {@code {"values": [...]}}. */
public record MetadataValues(List<String> values) {
    public MetadataValues {
        values = values == null ? List.of() : values;
    }

    /** Shorthand for a metadata entry with the given values. */
    public static MetadataValues of(String... values) {
        return new MetadataValues(List.of(values));
    }
}
