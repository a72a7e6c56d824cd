package io.adagio.repository.etcd;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Edge;
import io.adagio.model.MetadataValues;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.RetryRule;
import io.etcd.jetcd.ByteSequence;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Map;

/**
 * The stored values, encoded as the original does (Go {@code encoding/json} over its protobuf structs):
 * snake_case names, enums as numbers, bytes as base64, zero values left out, times as RFC 3339 with
 * nanoseconds. Fields we add ({@code skipped} and {@code inputs_from} on a node, {@code lease_id}/{@code ttl_ms}
 * on an agent) are ignored by readers that do not know them; unknown fields are ignored here too. A node's
 * {@code inputs} are never written: an output is stored once, in its node's attempts, and the children name the
 * parents they have received from ({@code inputs_from}); the original fills its inputs in from the parents when
 * it reads a node, so it needs no copy either.
 */
final class EtcdCodec {
    /**
     * RFC 3339 as Go writes a time ({@code time.RFC3339Nano}): the fraction's trailing zeros trimmed (none when it is
     * zero), written in UTC ({@code Z}), read with any offset. One formatter, no {@code String.format}: a node's value
     * carries three times, and every step writes and reads nodes.
     */
    private static final DateTimeFormatter GO_TIME = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .appendOffsetId()
            .toFormatter()
            .withResolverStyle(ResolverStyle.STRICT)
            .withChronology(IsoChronology.INSTANCE)
            .withZone(ZoneOffset.UTC);

    private final JsonMapper json = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    // ---- runs ---------------------------------------------------------------------------------------------

    /** The run value: creation time, specs and edges (node state lives in the node keys). */
    ByteSequence run(Instant createdAt, List<NodeSpec> specs, List<Edge> edges) {
        return run(createdAt, specs, edges, null, null, null, null);
    }

    /**
     * @param idempotencyKey the hashed idempotency key that started it ({@link Keys#idempotencyHash}), or null
     * @param rerunOf        the run it reruns, or null
     */
    ByteSequence run(Instant createdAt, List<NodeSpec> specs, List<Edge> edges, String idempotencyKey, String rerunOf,
                     String deadline, String ttl) {
        return write(new RunValue(time(createdAt), specs.stream().map(EtcdCodec::spec).toList(),
                edges.stream().map(e -> new EdgeValue(e.source(), e.destination())).toList(), idempotencyKey, rerunOf,
                deadline, ttl));
    }

    StoredRun run(ByteSequence value) {
        RunValue v = read(value, RunValue.class);
        return new StoredRun(instant(v.createdAt()), list(v.specs()).stream().map(EtcdCodec::spec).toList(),
                list(v.edges()).stream().map(e -> new Edge(e.source(), e.destination())).toList(), v.idempotencyKey(),
                v.rerunOf(), v.deadline(), v.ttl());
    }

    /** A decoded run value; {@code idempotencyKey} is the hashed key that started it, or null. */
    record StoredRun(Instant createdAt, List<NodeSpec> specs, List<Edge> edges, String idempotencyKey, String rerunOf,
                     String deadline, String ttl) {
    }

    // ---- nodes --------------------------------------------------------------------------------------------

    ByteSequence node(Node n) {
        return write(new NodeValue(spec(n.spec()), number(n.status().ordinal()),
                n.attempts().stream().map(EtcdCodec::result).toList(), time(n.startedAt()), time(n.finishedAt()),
                null, n.inputsFrom(), n.claim() == null ? null : new ClaimValue(n.claim().id(), n.claim().metadata()),
                n.skipped() ? Boolean.TRUE : null, n.cancelled() ? Boolean.TRUE : null, n.paused() ? Boolean.TRUE : null,
                n.retryFrom() == 0 ? null : n.retryFrom(), time(n.readyAt())));
    }

    /** The node as stored; its status is the one written in the value (the state key decides the real one). */
    Node node(ByteSequence value) {
        NodeValue v = read(value, NodeValue.class);
        return new Node(spec(v.spec()), enumOf(NodeStatus.values(), v.status()),
                list(v.attempts()).stream().map(EtcdCodec::result).toList(),
                instant(v.startedAt()), instant(v.finishedAt()), null,
                v.claim() == null ? null : new Claim(v.claim().id(), v.claim().metadata()),
                Boolean.TRUE.equals(v.skipped()), Boolean.TRUE.equals(v.cancelled()), Boolean.TRUE.equals(v.paused()),
                v.retryFrom() == null ? 0 : v.retryFrom(), instant(v.readyAt()), inputsFrom(v));
    }

    /**
     * The parents a stored node has received outputs from: those we record ({@code inputs_from}), and those whose
     * outputs the original (or an earlier version of ours) copied into its {@code inputs} (their bytes are not
     * used: inputs are filled in from the parents when read, as the original does).
     */
    private static List<String> inputsFrom(NodeValue v) {
        if (v.inputs() == null || v.inputs().isEmpty()) {
            return v.inputsFrom();
        }
        java.util.LinkedHashSet<String> from = new java.util.LinkedHashSet<>(list(v.inputsFrom()));
        from.addAll(v.inputs().keySet());
        return List.copyOf(from);
    }

    // ---- agents -------------------------------------------------------------------------------------------

    ByteSequence agent(StoredAgent a) {
        return write(new AgentValue(a.agent().id(), a.agent().runtimes().stream()
                .map(r -> new RuntimeValue(r.name())).toList(), a.leaseId(), a.ttlMillis()));
    }

    StoredAgent agent(ByteSequence value) {
        AgentValue v = read(value, AgentValue.class);
        return new StoredAgent(new Agent(v.id(), list(v.runtimes()).stream().map(r -> new AgentRuntime(r.name())).toList()),
                v.leaseId() == null ? 0 : v.leaseId(), v.ttlMillis() == null ? 0 : v.ttlMillis());
    }

    /**
     * An agent value: the agent, the id of its lease (so any replica can renew or revoke it) and its TTL.
     */
    record StoredAgent(Agent agent, long leaseId, long ttlMillis) {
    }

    // ---- intents ------------------------------------------------------------------------------------------

    /**
     * An intent value: what is passed on and when it was recorded (this replica's clock; only used to leave
     * young intents to the finish that wrote them). The output is not copied: it is the finished node's latest
     * attempt, which never changes once the node is COMPLETED.
     */
    ByteSequence intent(StoredIntent i) {
        return write(new IntentValue(i.kind().name().toLowerCase(java.util.Locale.ROOT), time(i.createdAt()), null));
    }

    StoredIntent intent(ByteSequence value) {
        IntentValue v = read(value, IntentValue.class);
        return new StoredIntent(io.adagio.engine.Propagation.Kind.valueOf(v.kind().toUpperCase(java.util.Locale.ROOT)),
                instant(v.createdAt()));
    }

    /** A start intent value ({@link RootRelease}): {@code {"kind": "start", "created_at": …}}. */
    ByteSequence startIntent(Instant createdAt) {
        return write(new IntentValue("start", time(createdAt), null));
    }

    /** When a start intent was recorded (null when it does not say). */
    Instant startIntent(ByteSequence value) {
        return instant(read(value, IntentValue.class).createdAt());
    }

    /**
     * A cancel intent value ({@link EtcdCancels}): {@code {"kind": "cancel", "created_at": …, "fence_at": …}}, when
     * the cancel was recorded and when its grace ends.
     */
    ByteSequence cancelIntent(CancelIntent c) {
        return write(new IntentValue("cancel", time(c.createdAt()), time(c.fenceAt())));
    }

    CancelIntent cancelIntent(ByteSequence value) {
        IntentValue v = read(value, IntentValue.class);
        return new CancelIntent(instant(v.createdAt()), instant(v.fenceAt()));
    }

    /** A decoded cancel intent. */
    record CancelIntent(Instant createdAt, Instant fenceAt) {
    }

    /**
     * A signal value: {@code {"kind": "cancel", "agent_id": …, "claim_id": …}}, the word, the agent it is for and
     * the claim it is about (a later claim of the node by the same agent is not meant).
     */
    ByteSequence signal(String agentId, String claimId) {
        return write(new SignalValue("cancel", agentId, claimId));
    }

    /** A decoded signal: the agent and the claim it is for (either null when it does not say). */
    record Signal(String agentId, String claimId) {
    }

    Signal signal(ByteSequence value) {
        SignalValue v = read(value, SignalValue.class);
        return new Signal(v.agentId(), v.claimId());
    }

    /** A decoded intent value. */
    record StoredIntent(io.adagio.engine.Propagation.Kind kind, Instant createdAt) {
    }

    // ---- idempotency keys ---------------------------------------------------------------------------------

    /** An idempotency key's record: the run it started, the fingerprint of that run's graph, when. */
    ByteSequence keyedStart(KeyedStart k) {
        return write(new KeyedStartValue(k.runId(), k.graphSha256(), time(k.createdAt())));
    }

    KeyedStart keyedStart(ByteSequence value) {
        KeyedStartValue v = read(value, KeyedStartValue.class);
        return new KeyedStart(v.runId(), v.graphSha256(), instant(v.createdAt()));
    }

    /** A decoded idempotency key record. */
    record KeyedStart(String runId, String graphSha256, Instant createdAt) {
    }

    // ---- mapping ------------------------------------------------------------------------------------------

    private static SpecValue spec(NodeSpec s) {
        return new SpecValue(s.name(), s.runtime(), s.metadata(), s.retry(), s.trigger(), s.timeout());
    }

    private static NodeSpec spec(SpecValue v) {
        return new NodeSpec(v.name(), v.runtime(), v.metadata(), v.retry(), v.trigger(), v.timeout());
    }

    private static ResultValue result(Result r) {
        return new ResultValue(number(r.conclusion().ordinal()), r.metadata(), r.output());
    }

    private static Result result(ResultValue v) {
        return new Result(enumOf(Conclusion.values(), v.conclusion()), v.metadata(), v.output());
    }

    private static Integer number(int ordinal) {
        return ordinal == 0 ? null : ordinal;
    }

    private static <E> E enumOf(E[] values, Integer number) {
        int n = number == null ? 0 : number;
        if (n < 0 || n >= values.length) {
            throw new IllegalStateException("unknown enum number " + n);
        }
        return values[n];
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }

    /** RFC 3339 with nanoseconds as Go writes it: UTC, trailing zeros of the fraction trimmed. */
    static String time(Instant t) {
        return t == null ? null : GO_TIME.format(t);
    }

    /** A time as Go writes it; any other RFC 3339 form {@code OffsetDateTime} reads (e.g. a lower-case 't') too. */
    static Instant instant(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            return GO_TIME.parse(s, Instant::from);
        } catch (DateTimeParseException notGoShaped) {
            return OffsetDateTime.parse(s).toInstant();
        }
    }

    private ByteSequence write(Object value) {
        return ByteSequence.from(json.writeValueAsBytes(value));
    }

    private <T> T read(ByteSequence value, Class<T> type) {
        try {
            return json.readValue(value.getBytes(), type);
        } catch (JacksonException e) {
            throw new IllegalStateException("undecodable " + type.getSimpleName() + " in etcd", e);
        }
    }

    // ---- the stored shapes --------------------------------------------------------------------------------

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record KeyedStartValue(@JsonProperty("run_id") String runId,
                                   @JsonProperty("graph_sha256") String graphSha256,
                                   @JsonProperty("created_at") String createdAt) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record IntentValue(@JsonProperty("kind") String kind,
                               @JsonProperty("created_at") String createdAt,
                               @JsonProperty("fence_at") String fenceAt) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record SignalValue(@JsonProperty("kind") String kind,
                               @JsonProperty("agent_id") String agentId,
                               @JsonProperty("claim_id") String claimId) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record RunValue(@JsonProperty("created_at") String createdAt,
                            @JsonProperty("specs") List<SpecValue> specs,
                            @JsonProperty("edges") List<EdgeValue> edges,
                            @JsonProperty("idempotency_key") String idempotencyKey,
                            @JsonProperty("rerun_of") String rerunOf,
                            @JsonProperty("deadline") String deadline,
                            @JsonProperty("ttl") String ttl) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record EdgeValue(@JsonProperty("source") String source,
                             @JsonProperty("destination") String destination) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record SpecValue(@JsonProperty("name") String name,
                             @JsonProperty("runtime") String runtime,
                             @JsonProperty("metadata") Map<String, MetadataValues> metadata,
                             @JsonProperty("retry") Map<String, RetryRule> retry,
                             @JsonProperty("trigger") String trigger,
                             @JsonProperty("timeout") String timeout) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record NodeValue(@JsonProperty("spec") SpecValue spec,
                             @JsonProperty("status") Integer status,
                             @JsonProperty("attempts") List<ResultValue> attempts,
                             @JsonProperty("started_at") String startedAt,
                             @JsonProperty("finished_at") String finishedAt,
                             @JsonProperty("inputs") Map<String, byte[]> inputs,
                             @JsonProperty("inputs_from") List<String> inputsFrom,
                             @JsonProperty("claim") ClaimValue claim,
                             @JsonProperty("skipped") Boolean skipped,
                             @JsonProperty("cancelled") Boolean cancelled,
                             @JsonProperty("paused") Boolean paused,
                             @JsonProperty("retry_from") Integer retryFrom,
                             @JsonProperty("ready_at") String readyAt) {
    }

    /** An empty output is written as {@code ""} (not left out) so a repeated finish compares equal. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record ResultValue(@JsonProperty("conclusion") Integer conclusion,
                               @JsonProperty("metadata") Map<String, MetadataValues> metadata,
                               @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("output") byte[] output) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record ClaimValue(@JsonProperty("id") String id,
                              @JsonProperty("metadata") Map<String, MetadataValues> metadata) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record AgentValue(@JsonProperty("id") String id,
                              @JsonProperty("runtimes") List<RuntimeValue> runtimes,
                              @JsonProperty("lease_id") Long leaseId,
                              @JsonProperty("ttl_ms") Long ttlMillis) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    private record RuntimeValue(@JsonProperty("name") String name) {
    }
}
