package io.adagio.agent.runtime;

import io.adagio.model.NodeSpec;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A node's arguments for its runtime. An argument {@code x} of runtime {@code r} is read from metadata
 * {@code adagio.arguments.r.x}; failing that from {@code adagio.runtime.r.x} (the key the original's example
 * graphs use); failing that from {@code adagio.inputs.r.x}, whose single value names an upstream node whose
 * output (UTF-8) becomes the argument.
 */
public final class Arguments {
    /** The documented prefix. */
    public static final String ARGUMENTS = "adagio.arguments.";
    /** The prefix of the original's examples, accepted as an alias. */
    public static final String LEGACY = "adagio.runtime.";
    /** Arguments taken from upstream outputs. */
    public static final String INPUTS = "adagio.inputs.";

    private final NodeSpec spec;
    private final Map<String, byte[]> inputs;

    public Arguments(NodeSpec spec, Map<String, byte[]> inputs) {
        this.spec = spec;
        this.inputs = inputs;
    }

    /**
     * Every value of the argument.
     *
     * @throws IllegalArgumentException when it is mapped to an input the node did not receive
     */
    public List<String> all(String name) {
        String runtime = spec.runtime();
        for (String prefix : List.of(ARGUMENTS, LEGACY)) {
            String key = prefix + runtime + "." + name;
            if (spec.metadata().containsKey(key)) {
                return spec.values(key);
            }
        }
        List<String> mapped = spec.values(INPUTS + runtime + "." + name);
        if (mapped.isEmpty()) {
            return List.of();
        }
        if (mapped.size() != 1) {
            throw new IllegalArgumentException("argument " + name + ": " + INPUTS + runtime + "." + name
                    + " must name exactly one upstream node");
        }
        if (!inputs.containsKey(mapped.get(0))) {
            throw new IllegalArgumentException("argument " + name + " is mapped to the output of " + mapped.get(0)
                    + ", which is not an input of " + spec.name());
        }
        byte[] out = inputs.get(mapped.get(0));
        return List.of(out == null ? "" : new String(out, StandardCharsets.UTF_8));
    }

    /**
     * The argument's single value, if given.
     *
     * @throws IllegalArgumentException when it has several values
     */
    public Optional<String> one(String name) {
        List<String> v = all(name);
        if (v.size() > 1) {
            throw new IllegalArgumentException("argument " + name + " takes one value, not " + v.size());
        }
        return v.stream().findFirst();
    }
}
