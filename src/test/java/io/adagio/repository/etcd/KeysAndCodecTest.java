package io.adagio.repository.etcd;

import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.MetadataValues;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.RetryRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Key building and parsing by structure, and the value encoding of the original. No etcd needed. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeysAndCodecTest {
    private static final String RUN = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    private final Keys keys = new Keys("v0", "default");
    private final EtcdCodec codec = new EtcdCodec();

    @Test
    void keysAreTheOriginals() {
        assertThat(keys.run(RUN)).isEqualTo("v0/default/runs/" + RUN);
        assertThat(keys.node(RUN, "a")).isEqualTo("v0/default/nodes/" + RUN + "/node/a");
        assertThat(keys.state(NodeStatus.READY, RUN, "a")).isEqualTo("v0/default/states/ready/run/" + RUN + "/node/a");
        assertThat(keys.agent("x")).isEqualTo("v0/default/agents/x");
    }

    @Test
    void keysParseByStructureNotBySplitting() {
        String odd = "we/ird/node/name";
        assertThat(keys.parseState(keys.state(NodeStatus.RUNNING, RUN, odd)))
                .contains(new Keys.StateKey(NodeStatus.RUNNING, new Keys.NodeRef(RUN, odd)));
        assertThat(keys.parseNode(keys.node(RUN, odd))).contains(new Keys.NodeRef(RUN, odd));
        assertThat(keys.parseRun(keys.run(RUN))).contains(RUN);
        assertThat(keys.parseRun(keys.sentinel())).isEmpty();
        assertThat(keys.parseState(keys.sentinel())).isEmpty();
        assertThat(keys.parseState("v0/default/states/ready/run/" + RUN + "/node/")).isEmpty();
        assertThat(keys.parseState("v0/other/states/ready/run/" + RUN + "/node/a")).isEmpty();
        assertThat(keys.sentinel().compareTo(keys.runs()) > 0 && keys.sentinel().compareTo(keys.states()) < 0).isTrue();
    }

    @Test
    void intentKeysLieOutsideTheOriginalsPrefixesAndTheWatchedRange() {
        String odd = "we/ird/node/name";
        assertThat(keys.intent(RUN, "a")).isEqualTo("v0/default/intents/" + RUN + "/node/a");
        assertThat(keys.parseIntent(keys.intent(RUN, odd))).contains(new Keys.NodeRef(RUN, odd));
        assertThat(keys.parseIntent(keys.node(RUN, "a"))).isEmpty();
        assertThat(keys.startIntent(RUN)).isEqualTo("v0/default/intents/" + RUN + "/start");
        assertThat(keys.parseStartIntent(keys.startIntent(RUN))).contains(RUN);
        assertThat(keys.parseIntent(keys.startIntent(RUN))).as("not a finish's intent").isEmpty();
        assertThat(keys.parseStartIntent(keys.intent(RUN, "start"))).as("a node named start").isEmpty();
        assertThat(keys.startIntent(RUN)).startsWith(keys.intents());
        String intent = keys.intent(RUN, "a");
        for (String prefix : List.of(keys.agents(), keys.runs(), keys.nodes(), keys.states())) {
            assertThat(intent).doesNotStartWith(prefix);
        }
        assertThat(intent.compareTo(keys.runs()) < 0).as("before the watched range runs/ … states/").isTrue();
        assertThat(keys.parseRun(intent)).isEmpty();
        assertThat(keys.parseNode(intent)).isEmpty();
        assertThat(keys.parseState(intent)).isEmpty();
    }

    @Test
    void intentsRoundTrip() {
        EtcdCodec.StoredIntent intent = new EtcdCodec.StoredIntent(io.adagio.engine.Propagation.Kind.SKIP,
                Instant.parse("2026-01-02T03:04:05.123456789Z"));
        String json = codec.intent(intent).toString(StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"kind\":\"skip\",\"created_at\":\"2026-01-02T03:04:05.123456789Z\"}");
        assertThat(codec.intent(codec.intent(intent))).isEqualTo(intent);
    }

    @Test
    void nodesEncodeEnumsAsNumbersAndBytesAsBase64AndNeverCopyTheirInputs() {
        NodeSpec spec = new NodeSpec("a", "debug", Map.of("k", MetadataValues.of("v")), Map.of("fail", new RetryRule(3)));
        Node node = new Node(spec, NodeStatus.RUNNING, List.of(Result.of(Conclusion.FAIL, "out")),
                Instant.parse("2026-01-02T03:04:05.120Z"), null, Map.of("up", "in".getBytes(StandardCharsets.UTF_8)),
                Claim.of("c1"), false, false, false, 0, null, List.of("up"));
        String json = codec.node(node).toString(StandardCharsets.UTF_8);
        assertThat(json).contains("\"status\":3", "\"conclusion\":2", "\"output\":\"b3V0\"", "\"inputs_from\":[\"up\"]",
                "\"started_at\":\"2026-01-02T03:04:05.12Z\"", "\"max_attempts\":3", "\"metadata\":{\"k\":{\"values\":[\"v\"]}}",
                "\"claim\":{\"id\":\"c1\"}");
        assertThat(json).as("an output is stored once, with its parent's attempt").doesNotContain("\"inputs\"", "aW4=");
        assertThat(json).doesNotContain("finished_at", "skipped");
        Node back = codec.node(codec.node(node));
        assertThat(back.spec()).isEqualTo(spec);
        assertThat(back.attempts()).containsExactly(Result.of(Conclusion.FAIL, "out"));
        assertThat(back.startedAt()).isEqualTo(node.startedAt());
        assertThat(back.inputsFrom()).containsExactly("up");
        assertThat(back.inputs()).as("filled in when read, from the parents").isNull();
        assertThat(codec.node(Node.initial(NodeSpec.of("b", "debug"), NodeStatus.WAITING).asSkipped(Instant.EPOCH))
                .toString(StandardCharsets.UTF_8)).contains("\"skipped\":true");
    }

    @Test
    void inputsTheOriginalCopiedIntoANodeNameItsParentsAndAreNotWrittenBack() {
        // the original writes its parents' outputs into the child, a parent's empty output as null (Go's nil []byte)
        String theOriginals = "{\"spec\":{\"name\":\"b\",\"runtime\":\"debug\"},\"status\":2,\"inputs\":{\"a\":null,\"c\":\"aW4=\"}}";
        Node b = codec.node(io.etcd.jetcd.ByteSequence.from(theOriginals, StandardCharsets.UTF_8));
        assertThat(b.inputsFrom()).containsExactly("a", "c");
        String back = codec.node(b).toString(StandardCharsets.UTF_8);
        assertThat(back).contains("\"inputs_from\":[\"a\",\"c\"]").doesNotContain("\"inputs\"", "aW4=");
        String both = "{\"spec\":{\"name\":\"b\",\"runtime\":\"debug\"},\"inputs_from\":[\"c\"],\"inputs\":{\"a\":\"eA==\",\"c\":\"aW4=\"}}";
        assertThat(codec.node(io.etcd.jetcd.ByteSequence.from(both, StandardCharsets.UTF_8)).inputsFrom())
                .as("ours first, then the original's, once each").containsExactly("c", "a");
    }

    @Test
    void anEmptyOutputSurvivesSoARepeatedFinishCompares() {
        Result empty = Result.of(Conclusion.SUCCESS, "");
        Node node = Node.initial(NodeSpec.of("a", "debug"), NodeStatus.RUNNING).withAttempt(empty, NodeStatus.COMPLETED, Instant.EPOCH);
        assertThat(codec.node(codec.node(node)).lastAttempt().sameAs(empty)).isTrue();
    }

    @Test
    void agentsCarryTheirLeaseAndUnknownFieldsAreIgnored() {
        var stored = new EtcdCodec.StoredAgent(new Agent("x", List.of(new AgentRuntime("debug"))), 42, 10_000);
        assertThat(codec.agent(stored).toString(StandardCharsets.UTF_8))
                .isEqualTo("{\"id\":\"x\",\"runtimes\":[{\"name\":\"debug\"}],\"lease_id\":42,\"ttl_ms\":10000}");
        assertThat(codec.agent(io.etcd.jetcd.ByteSequence.from("{\"id\":\"y\",\"runtimes\":[{\"name\":\"exec\"}],\"future\":1}",
                StandardCharsets.UTF_8)).agent()).isEqualTo(new Agent("y", List.of(new AgentRuntime("exec"))));
    }

    @Test
    void timesAreRfc3339NanoAsGoWritesThem() {
        assertThat(EtcdCodec.time(Instant.parse("2026-01-02T03:04:05Z"))).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(EtcdCodec.time(Instant.parse("2026-01-02T03:04:05.000000001Z"))).isEqualTo("2026-01-02T03:04:05.000000001Z");
        assertThat(EtcdCodec.time(Instant.parse("2026-01-02T03:04:05.120Z"))).isEqualTo("2026-01-02T03:04:05.12Z");
        assertThat(EtcdCodec.time(Instant.parse("2026-01-02T03:04:05.123456789Z"))).isEqualTo("2026-01-02T03:04:05.123456789Z");
        assertThat(EtcdCodec.time(Instant.parse("0001-01-01T00:00:00Z"))).isEqualTo("0001-01-01T00:00:00Z");
        assertThat(EtcdCodec.instant("2026-01-02T03:04:05.5+00:00")).isEqualTo(Instant.parse("2026-01-02T03:04:05.500Z"));
        assertThat(EtcdCodec.instant("2026-01-02T03:04:05.5+01:30")).isEqualTo(Instant.parse("2026-01-02T01:34:05.500Z"));
        assertThat(EtcdCodec.instant("2026-01-02t03:04:05z")).isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
        assertThat(EtcdCodec.instant("2026-01-02T03:04Z")).isEqualTo(Instant.parse("2026-01-02T03:04:00Z"));
        assertThatThrownBy(() -> EtcdCodec.instant("2026-02-30T00:00:00Z")).isInstanceOf(java.time.DateTimeException.class);
    }

    @Test
    void everyTimeReadsBackAsWrittenAndAsOffsetDateTimeReadsIt() {
        java.util.Random random = new java.util.Random(20261203);
        for (int i = 0; i < 20_000; i++) {
            Instant t = Instant.ofEpochSecond(random.nextLong() % 250_000_000_000L,
                    random.nextInt(3) == 0 ? 0 : random.nextInt(1_000_000_000));
            String written = EtcdCodec.time(t);
            assertThat(EtcdCodec.instant(written)).as(written).isEqualTo(t);
            assertThat(java.time.OffsetDateTime.parse(written).toInstant()).as(written).isEqualTo(t);
        }
    }
}
