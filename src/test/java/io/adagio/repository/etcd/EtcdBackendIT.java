package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.EventType;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.Run;
import io.adagio.model.RunStatus;
import io.adagio.model.Stats;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.EventFilter;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.RunQuery;
import io.adagio.repository.Subscription;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What only the etcd backend must show: big runs on a default-configured etcd, invisible failed starts, several
 * replicas on one etcd, and the exact keyspace and value encoding of the original.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdBackendIT {
    private final RunFactory runs = new RunFactory(Clock.systemUTC());
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private EtcdRepository repository(EtcdOptions options) {
        EtcdRepository r = EtcdRepositories.open(options, Clock.systemUTC());
        closing.add(r);
        return r;
    }

    private EventLog subscribe(EtcdRepository repo) {
        EventLog log = new EventLog();
        Subscription s = repo.subscribe(EventFilter.all(), null, log);
        closing.add(s);
        await().atMost(Duration.ofSeconds(10)).until(() -> !log.snapshots.isEmpty());
        return log;
    }

    @Test
    void aTenThousandNodeFanOutStartsAndInspects() {
        EtcdRepository repo = repository(SharedEtcd.freshOptions("fanout"));
        EventLog events = subscribe(repo);
        Run run = repo.startRun(runs.create(Graphs.fanOut(9_999, "debug")));

        Run read = repo.inspectRun(run.id());
        assertThat(read.nodes()).hasSize(10_000);
        assertThat(read.edges()).hasSize(9_999);
        assertThat(read.status()).isEqualTo(RunStatus.WAITING);
        assertThat(read.node("root").status()).isEqualTo(NodeStatus.READY);
        assertThat(read.nodes().stream().filter(n -> n.status() == NodeStatus.WAITING)).hasSize(9_999);
        assertThat(repo.stats()).isEqualTo(new Stats(1, new Stats.NodeCounts(9_999, 1, 0, 0, 0)));
        assertThat(repo.listRuns(RunQuery.all())).extracting(Run::id).containsExactly(run.id());
        await().atMost(Duration.ofSeconds(15)).until(() -> events.saw(EventType.NODE_READY, run.id(), "root"));
        assertThat(events.live).hasSize(1);
    }

    @Test
    void aStartThatFailsHalfWayLeavesNothingVisible() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("failed-start");
        EtcdRepository repo = repository(options);
        EventLog before = subscribe(repo);
        repo.afterStartBatch(n -> {
            if (n == 3) {
                throw new IllegalStateException("deliberate failure after 3 batches");
            }
        });
        Run doomed = runs.create(Graphs.fanOut(999, "debug"));
        assertThatThrownBy(() -> repo.startRun(doomed)).hasMessageContaining("deliberate");
        repo.afterStartBatch(n -> { });

        assertThatThrownBy(() -> repo.inspectRun(doomed.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> repo.inspectNode(doomed.id(), "root")).isInstanceOf(NotFoundException.class);
        assertThat(repo.listRuns(RunQuery.all())).isEmpty();
        assertThat(repo.stats()).isEqualTo(new Stats(0, new Stats.NodeCounts(0, 0, 0, 0, 0)));
        EventLog after = subscribe(repo);
        assertThat(after.snapshots.get(0)).isEmpty();
        Keys keys = new Keys(options.namespace(), options.list());
        assertThat(SharedEtcd.admin().getKVClient().get(Keys.bytes(keys.root()),
                GetOption.builder().isPrefix(true).withCountOnly(true).build()).get(5, TimeUnit.SECONDS).getCount())
                .as("keys left by the failed start").isZero();

        Run next = repo.startRun(runs.create(Graphs.single("x")));
        await().atMost(Duration.ofSeconds(10)).until(() -> before.saw(EventType.NODE_READY, next.id(), "x"));
        assertThat(before.sawRun(doomed.id())).isFalse();
        assertThat(after.sawRun(doomed.id())).isFalse();
    }

    @Test
    void twoReplicasOnOneEtcdShareClaimsAndEvents() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("replicas");
        EtcdRepository one = repository(options);
        EtcdRepository two = repository(options);
        one.registerAgent(new Agent("agent-one", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(30));
        two.registerAgent(new Agent("agent-two", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(30));
        EventLog seenByTwo = subscribe(two);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 10; round++) {
                String id = one.startRun(runs.create(Graphs.single("a"))).id();
                await().atMost(Duration.ofSeconds(10)).until(() -> seenByTwo.saw(EventType.NODE_READY, id, "a"));
                CountDownLatch go = new CountDownLatch(1);
                List<Future<ClaimOutcome>> claims = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    EtcdRepository replica = i % 2 == 0 ? one : two;
                    String agent = i % 2 == 0 ? "agent-one" : "agent-two";
                    claims.add(pool.submit(() -> {
                        go.await();
                        return replica.claimNode(id, "a", agent, Claim.of(com.github.f4b6a3.ulid.UlidCreator.getMonotonicUlid().toString()));
                    }));
                }
                go.countDown();
                List<ClaimOutcome> winners = new ArrayList<>();
                for (Future<ClaimOutcome> f : claims) {
                    ClaimOutcome o = f.get(30, TimeUnit.SECONDS);
                    if (o.claimed()) {
                        winners.add(o);
                    }
                }
                assertThat(winners).as("round %d", round).hasSize(1);
                assertThat(two.inspectNode(id, "a").claim().id()).isEqualTo(winners.get(0).claim().id());
            }
        } finally {
            pool.shutdownNow();
        }
        // a lease registered through one replica is renewed and ended through the other
        assertThat(two.heartbeat("agent-one").agent().id()).isEqualTo("agent-one");
        two.unregisterAgent("agent-one");
        assertThat(one.listAgents()).extracting(Agent::id).containsExactly("agent-two");
    }

    @Test
    void aCursorFromAnotherReplicaResumesExactlyTheMissedEvents() {
        EtcdOptions options = SharedEtcd.freshOptions("resume");
        EtcdRepository one = repository(options);
        EventLog first = subscribe(one);
        String x = one.startRun(runs.create(Graphs.single("x"))).id();
        await().atMost(Duration.ofSeconds(10)).until(() -> first.saw(EventType.NODE_READY, x, "x"));
        io.adagio.repository.Cursor seen = first.live.get(0).cursor();
        String seven = one.startRun(runs.create(Graphs.seven())).id();
        String y = one.startRun(runs.create(Graphs.single("y"))).id();
        await().atMost(Duration.ofSeconds(10)).until(() -> first.saw(EventType.NODE_READY, y, "y"));

        EtcdRepository two = repository(options);
        EventLog resumed = new EventLog();
        closing.add(two.subscribe(EventFilter.all(), seen, resumed));
        await().atMost(Duration.ofSeconds(15)).until(() -> resumed.saw(EventType.NODE_READY, y, "y"));
        assertThat(resumed.snapshots).isEmpty();
        assertThat(resumed.live).extracting(e -> e.event().runId() + "/" + e.event().nodeSpec().name())
                .containsExactly(seven + "/a", seven + "/b", y + "/y");
        assertThat(resumed.live).extracting(io.adagio.repository.CursoredEvent::cursor)
                .containsExactlyElementsOf(first.live.subList(1, 4).stream().map(io.adagio.repository.CursoredEvent::cursor).toList());

        String z = one.startRun(runs.create(Graphs.single("z"))).id();
        await().atMost(Duration.ofSeconds(10)).until(() -> resumed.saw(EventType.NODE_READY, z, "z"));
        assertThat(resumed.live).hasSize(4);
    }

    @Test
    void theKeyspaceAndValuesAreTheOriginals() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("keyspace");
        EtcdRepository repo = repository(options);
        repo.registerAgent(new Agent("agent-1", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(30));
        String id = repo.startRun(runs.create(Graphs.seven())).id();
        for (List<String> layer : List.of(List.of("a", "b"), List.of("c", "d", "f"), List.of("e"), List.of("g"))) {
            for (String name : layer) {
                ClaimOutcome c = repo.claimNode(id, name, "agent-1", Claim.of("claim-" + name));
                assertThat(c.claimed()).isTrue();
                repo.finishNode(id, name, c.claim().id(), Result.of(Conclusion.SUCCESS, name));
            }
        }
        assertThat(repo.inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);

        String root = "v0/" + options.list() + "/";
        List<KeyValue> kvs = SharedEtcd.admin().getKVClient().get(ByteSequence.from(root, StandardCharsets.UTF_8),
                GetOption.builder().isPrefix(true).build()).get(5, TimeUnit.SECONDS).getKvs();
        Set<String> keys = new TreeSet<>();
        kvs.forEach(kv -> keys.add(kv.getKey().toString(StandardCharsets.UTF_8).substring(root.length())));
        Set<String> expected = new TreeSet<>();
        expected.add("runs/" + id);
        expected.add("agents/agent-1");
        for (String n : List.of("a", "b", "c", "d", "e", "f", "g")) {
            expected.add("nodes/" + id + "/node/" + n);
            expected.add("states/completed/run/" + id + "/node/" + n);
        }
        assertThat(keys).isEqualTo(expected);

        JsonMapper json = JsonMapper.builder().build();
        for (KeyValue kv : kvs) {
            String key = kv.getKey().toString(StandardCharsets.UTF_8).substring(root.length());
            byte[] value = kv.getValue().getBytes();
            if (key.startsWith("states/")) {
                assertThat(value).isEmpty();
            } else if (key.startsWith("agents/")) {
                JsonNode agent = json.readTree(value);
                assertThat(agent.get("id").asString()).isEqualTo("agent-1");
                assertThat(agent.get("runtimes").get(0).get("name").asString()).isEqualTo("debug");
                assertThat(kv.getLease()).isEqualTo(agent.get("lease_id").asLong()).isNotZero();
            } else if (key.startsWith("runs/")) {
                JsonNode run = json.readTree(value);
                assertThat(run.get("created_at").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
                assertThat(run.get("specs")).hasSize(7);
                assertThat(run.get("specs").get(0).get("name").asString()).isEqualTo("a");
                assertThat(run.get("specs").get(0).get("runtime").asString()).isEqualTo("debug");
                assertThat(run.get("edges").get(0).get("source").asString()).isEqualTo("a");
                assertThat(run.get("edges").get(0).get("destination").asString()).isEqualTo("c");
                assertThat(run.has("nodes")).isFalse();
            } else {
                JsonNode node = json.readTree(value);
                String name = node.get("spec").get("name").asString();
                assertThat(node.get("status").isNumber()).isTrue();
                assertThat(node.get("status").asInt()).isEqualTo(4);
                assertThat(node.get("attempts").get(0).get("conclusion").asInt()).isEqualTo(1);
                assertThat(new String(Base64.getDecoder().decode(node.get("attempts").get(0).get("output").asString()),
                        StandardCharsets.UTF_8)).isEqualTo(name);
                assertThat(node.get("claim").get("id").asString()).isEqualTo("claim-" + name);
                assertThat(node.has("started_at")).isTrue();
                assertThat(node.has("finished_at")).isTrue();
                assertThat(node.has("skipped")).isFalse();
                assertThat(node.has("inputs")).as("an output is stored once, in its node's attempts").isFalse();
                if (name.equals("d")) {
                    assertThat(node.get("inputs_from").values()).extracting(JsonNode::asString)
                            .containsExactlyInAnyOrder("a", "b");
                } else if (name.equals("a")) {
                    assertThat(node.has("inputs_from")).isFalse();
                }
            }
        }
        Node g = repo.inspectNode(id, "g");
        assertThat(g.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(g.inputs()).as("filled in from the parents when read").containsOnlyKeys("e", "f");
        assertThat(new String(g.inputs().get("e"), StandardCharsets.UTF_8)).isEqualTo("e");
    }
}
