package io.adagio.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node inside a run: its spec and everything that happened to it. Immutable; transitions make new values.
 *
 * <p>An output is stored once, with the attempt that made it. A node records only which parents it has received
 * an output from ({@link #inputsFrom}); its {@link #inputs} are filled in when it is read ({@code
 * io.adagio.engine.Inputs}), from those parents' latest successful attempts, and are null in a node as stored
 * (and in a finish's answer, which does not repeat them).
 *
 * @param spec       the node's spec, as submitted
 * @param status     its state
 * @param attempts   the results of its attempts, oldest first
 * @param startedAt  when its latest claim began
 * @param finishedAt when it completed
 * @param inputs     upstream node name → that node's successful output, as read; null when not filled in
 * @param claim      the claim that holds it (or held it last)
 * @param skipped    true when it completed without running because something upstream failed for good
 * @param cancelled  true once its run's cancel reached it: a node not RUNNING then completed without running; a
 *                   RUNNING one stays RUNNING while its agent is told to stop (and completes as it finishes, or as
 *                   cancelled when the cancel's grace ends); never claimed or retried again
 * @param paused     true while its run is paused: it is not claimed; a node that would be READY waits (WAITING) and
 *                   becomes READY when the run is resumed; a RUNNING one runs on
 * @param retryFrom  how many of its attempts came before its latest manual retry ({@code POST …/retry}): its retry
 *                   rules count the attempts after them
 * @param readyAt    while WAITING out a retry's backoff: when it becomes READY; else null
 * @param inputsFrom the parents whose outputs it has received, in the order received (stored, not shown)
 */
public record Node(NodeSpec spec,
                   NodeStatus status,
                   List<Result> attempts,
                   @JsonProperty("started_at") Instant startedAt,
                   @JsonProperty("finished_at") Instant finishedAt,
                   @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, byte[]> inputs,
                   Claim claim,
                   @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean skipped,
                   @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean cancelled,
                   @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean paused,
                   @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonProperty("retry_from") int retryFrom,
                   @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("ready_at") Instant readyAt,
                   @JsonIgnore List<String> inputsFrom) {

    public Node {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
        inputs = inputs == null ? null : inputs.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        inputsFrom = inputsFrom == null ? List.of() : List.copyOf(inputsFrom);
    }

    /** A fresh node in the given state. */
    public static Node initial(NodeSpec spec, NodeStatus status) {
        return new Node(spec, status, List.of(), null, null, null, null, false, false, false, 0, null, List.of());
    }

    /** The node's name. */
    public String name() {
        return spec.name();
    }

    /** The latest attempt, or null. */
    public Result lastAttempt() {
        return attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
    }

    /** The output of its latest successful attempt (empty when that had none), or null when none succeeded. */
    public byte[] successfulOutput() {
        for (int i = attempts.size() - 1; i >= 0; i--) {
            Result r = attempts.get(i);
            if (r.conclusion() == Conclusion.SUCCESS) {
                return r.output() == null ? new byte[0] : r.output();
            }
        }
        return null;
    }

    public Node withStatus(NodeStatus s) {
        return new Node(spec, s, attempts, startedAt, finishedAt, inputs, claim, skipped, cancelled, paused, retryFrom,
                readyAt, inputsFrom);
    }

    public Node claimedBy(Claim c, Instant now) {
        return new Node(spec, NodeStatus.RUNNING, attempts, now, null, inputs, c, false, cancelled, paused, retryFrom,
                null, inputsFrom);
    }

    /**
     * The most bytes of outputs a node keeps over its attempts (1 MiB, the default {@code max-output-size}, which
     * keeps a node's stored value under etcd's request limit): past it, the outputs of the oldest attempts that did
     * not succeed are dropped ({@link Result#withoutOutput}); the latest attempt keeps its output, and so does every
     * successful one.
     */
    public static final long OUTPUT_BUDGET = 1L << 20;

    /** This node with one more attempt and a new status; finishedAt is set when the status is COMPLETED. */
    public Node withAttempt(Result r, NodeStatus s, Instant now) {
        List<Result> a = new ArrayList<>(attempts);
        a.add(r);
        long kept = 0;
        for (Result each : a) {
            kept += each.output() == null ? 0 : each.output().length;
        }
        for (int i = 0; i < a.size() - 1 && kept > OUTPUT_BUDGET; i++) {
            Result old = a.get(i);
            if (old.conclusion() != Conclusion.SUCCESS && old.output() != null && old.output().length > 0) {
                kept -= old.output().length;
                a.set(i, old.withoutOutput());
            }
        }
        boolean completed = s == NodeStatus.COMPLETED;
        return new Node(spec, s, a, startedAt, completed ? now : null, inputs, claim, false, cancelled,
                paused && !completed, retryFrom, null, inputsFrom);
    }

    /** This node WAITING out a retry's backoff, READY at {@code at}. */
    public Node waitingUntil(Instant at) {
        return new Node(spec, NodeStatus.WAITING, attempts, startedAt, finishedAt, inputs, claim, skipped, cancelled,
                paused, retryFrom, at, inputsFrom);
    }

    /** This node at the end of its backoff, in state {@code s} (READY, or WAITING while its run is paused). */
    public Node backoffOver(NodeStatus s) {
        return new Node(spec, s, attempts, startedAt, finishedAt, inputs, claim, skipped, cancelled, paused, retryFrom,
                null, inputsFrom);
    }

    /** This node having received {@code parent}'s output (unchanged when it had). */
    public Node withInputFrom(String parent) {
        if (inputsFrom.contains(parent)) {
            return this;
        }
        List<String> from = new ArrayList<>(inputsFrom);
        from.add(parent);
        return new Node(spec, status, attempts, startedAt, finishedAt, inputs, claim, skipped, cancelled, paused,
                retryFrom, readyAt, from);
    }

    /** This node as read, with its inputs filled in. */
    public Node withInputs(Map<String, byte[]> filled) {
        return new Node(spec, status, attempts, startedAt, finishedAt, filled, claim, skipped, cancelled, paused,
                retryFrom, readyAt, inputsFrom);
    }

    /** This node as stored: without filled-in inputs. */
    public Node stored() {
        return inputs == null ? this : withInputs(null);
    }

    public Node asSkipped(Instant now) {
        return new Node(spec, NodeStatus.COMPLETED, attempts, startedAt, now, inputs, claim, true, cancelled, false,
                retryFrom, null, inputsFrom);
    }

    /**
     * This node retried by hand: back in state {@code s} (WAITING or READY) with {@code heard} as the parents it has
     * heard from, its attempts kept and counted by its retry rules only from now on; no longer skipped or cancelled.
     */
    public Node retried(NodeStatus s, List<String> heard, boolean paused) {
        return new Node(spec, s, attempts, startedAt, null, inputs, claim, false, false, paused, attempts.size(), null,
                heard);
    }

    /** This node no longer marked cancelled (its run is retried). */
    public Node uncancelled() {
        return new Node(spec, status, attempts, startedAt, finishedAt, inputs, claim, skipped, false, paused, retryFrom,
                readyAt, inputsFrom);
    }

    /** This node paused ({@code true}) or resumed, in state {@code s}. */
    public Node withPaused(boolean p, NodeStatus s) {
        return new Node(spec, s, attempts, startedAt, finishedAt, inputs, claim, skipped, cancelled, p, retryFrom,
                readyAt, inputsFrom);
    }

    /** This node reached by its run's cancel, in the same state (a RUNNING node whose agent is told to stop). */
    public Node asCancelling() {
        return new Node(spec, status, attempts, startedAt, finishedAt, inputs, claim, skipped, true, paused, retryFrom,
                readyAt, inputsFrom);
    }

    /** This node completed by its run's cancel at {@code now}, without a result of its own. */
    public Node asCancelled(Instant now) {
        return new Node(spec, NodeStatus.COMPLETED, attempts, startedAt, now, inputs, claim, skipped, true, false,
                retryFrom, null, inputsFrom);
    }
}
