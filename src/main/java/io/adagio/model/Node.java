package io.adagio.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node inside a run: its spec and everything that happened to it. Immutable; transitions make new values.
 *
 * @param spec       the node's spec, as submitted
 * @param status     its state
 * @param attempts   the results of its attempts, oldest first
 * @param startedAt  when its latest claim began
 * @param finishedAt when it completed
 * @param inputs     upstream node name → that node's successful output
 * @param claim      the claim that holds it (or held it last)
 * @param skipped    true when it completed without running because something upstream failed for good
 */
public record Node(NodeSpec spec,
                   NodeStatus status,
                   List<Result> attempts,
                   @JsonProperty("started_at") Instant startedAt,
                   @JsonProperty("finished_at") Instant finishedAt,
                   Map<String, byte[]> inputs,
                   Claim claim,
                   @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean skipped) {

    public Node {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
        inputs = inputs == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    }

    /** A fresh node in the given state. */
    public static Node initial(NodeSpec spec, NodeStatus status) {
        return new Node(spec, status, List.of(), null, null, Map.of(), null, false);
    }

    /** The node's name. */
    public String name() {
        return spec.name();
    }

    /** The latest attempt, or null. */
    public Result lastAttempt() {
        return attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
    }

    public Node withStatus(NodeStatus s) {
        return new Node(spec, s, attempts, startedAt, finishedAt, inputs, claim, skipped);
    }

    public Node claimedBy(Claim c, Instant now) {
        return new Node(spec, NodeStatus.RUNNING, attempts, now, null, inputs, c, false);
    }

    /** This node with one more attempt and a new status; finishedAt is set when the status is COMPLETED. */
    public Node withAttempt(Result r, NodeStatus s, Instant now) {
        List<Result> a = new ArrayList<>(attempts);
        a.add(r);
        return new Node(spec, s, a, startedAt, s == NodeStatus.COMPLETED ? now : null, inputs, claim, false);
    }

    public Node withInput(String upstream, byte[] output) {
        Map<String, byte[]> in = new LinkedHashMap<>(inputs);
        in.put(upstream, output);
        return new Node(spec, status, attempts, startedAt, finishedAt, in, claim, skipped);
    }

    public Node asSkipped(Instant now) {
        return new Node(spec, NodeStatus.COMPLETED, attempts, startedAt, now, inputs, claim, true);
    }
}
