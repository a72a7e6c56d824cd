package io.adagio.model;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * The result of one attempt at a node.
 *
 * @param conclusion SUCCESS, FAIL or ERROR
 * @param metadata   anything the agent wants to record
 * @param output     the output bytes (base64 in JSON); flows to dependents as their inputs
 */
public record Result(Conclusion conclusion, Map<String, MetadataValues> metadata, byte[] output) {
    public Result {
        metadata = metadata == null ? Map.of() : metadata;
    }

    /** A result with a text output (UTF-8). */
    public static Result of(Conclusion conclusion, String output) {
        return new Result(conclusion, Map.of(), output == null ? null : output.getBytes(StandardCharsets.UTF_8));
    }

    /** The metadata key that marks a result whose output was dropped to keep its node within its budget. */
    public static final String OUTPUT_DROPPED = "adagio.output_dropped";

    /** This result without its output, marked {@value #OUTPUT_DROPPED} with how many bytes it had. */
    public Result withoutOutput() {
        java.util.Map<String, MetadataValues> m = new java.util.LinkedHashMap<>(metadata);
        m.put(OUTPUT_DROPPED, MetadataValues.of(Integer.toString(output == null ? 0 : output.length)));
        return new Result(conclusion, m, new byte[0]);
    }

    /** Whether both results say the same thing: same conclusion, metadata and output bytes. */
    public boolean sameAs(Result other) {
        return other != null && conclusion == other.conclusion
                && Objects.equals(metadata, other.metadata) && Arrays.equals(output, other.output);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Result r && sameAs(r);
    }

    @Override
    public int hashCode() {
        return Objects.hash(conclusion, metadata) * 31 + Arrays.hashCode(output);
    }

    @Override
    public String toString() {
        return "Result[" + conclusion + ", " + (output == null ? "null" : output.length + " bytes") + "]";
    }
}
