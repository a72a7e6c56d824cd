package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Edge;
import io.adagio.model.EventType;
import io.adagio.model.GraphSpec;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.Run;
import io.adagio.model.RunOutcome;
import io.adagio.model.RunStatus;
import io.adagio.model.Stats;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventFilter;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Finishes that change far more nodes than one etcd transaction can hold, on an etcd with its default limits
 * (128 operations, 1.5 MiB per request): they are recorded with an intent and passed on in batches
 * ({@link Propagator}); one stopped half-way is completed by the recovery of any replica, nothing lost or
 * duplicated.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EtcdLargeFinishIT {
    private static final String AGENT = "agent-large";
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
        r.registerAgent(new Agent(AGENT, List.of(new AgentRuntime("debug"))), Duration.ofSeconds(60));
        return r;
    }

    private EventLog subscribe(EtcdRepository repo) {
        EventLog log = new EventLog();
        closing.add(repo.subscribe(EventFilter.all(), null, log));
        await().atMost(Duration.ofSeconds(10)).until(() -> !log.snapshots.isEmpty());
        return log;
    }

    private static String claim(EtcdRepository repo, String runId, String name) {
        ClaimOutcome c = repo.claimNode(runId, name, AGENT, Claim.of("claim-" + name + "-" + System.nanoTime()));
        assertThat(c.claimed()).as("claim of %s", name).isTrue();
        return c.claim().id();
    }

    private static long intents(EtcdOptions options) throws Exception {
        Keys keys = new Keys(options.namespace(), options.list());
        return SharedEtcd.admin().getKVClient().get(Keys.bytes(keys.intents()),
                GetOption.builder().isPrefix(true).withCountOnly(true).build()).get(5, TimeUnit.SECONDS).getCount();
    }

    /** NODE_READY events per node of a run. */
    private static Map<String, Integer> readyEvents(EventLog log, String runId) {
        Map<String, Integer> out = new TreeMap<>();
        synchronized (log.live) {
            for (CursoredEvent e : log.live) {
                if (e.event().type() == EventType.NODE_READY && e.event().runId().equals(runId)) {
                    out.merge(e.event().nodeSpec().name(), 1, Integer::sum);
                }
            }
        }
        return out;
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static void assertAllLeavesReadyWithRootInput(Run run, int leaves, String output) {
        for (int i = 0; i < leaves; i++) {
            Node leaf = run.node("leaf-" + i);
            assertThat(leaf.status()).as(leaf.name()).isEqualTo(NodeStatus.READY);
            assertThat(leaf.inputs()).as(leaf.name()).containsOnlyKeys("root");
            assertThat(text(leaf.inputs().get("root"))).isEqualTo(output);
        }
    }

    @Test
    void aFiveHundredNodeFanOutMakesEveryChildReadyWithTheRootsOutput() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("fan500");
        EtcdRepository repo = repository(options);
        EventLog events = subscribe(repo);
        String id = repo.startRun(runs.create(Graphs.fanOut(500, "debug"))).id();

        String claim = claim(repo, id, "root");
        Node root = repo.finishNode(id, "root", claim, Result.of(Conclusion.SUCCESS, "the root's output"));
        assertThat(root.status()).isEqualTo(NodeStatus.COMPLETED);

        Run run = repo.inspectRun(id);
        assertAllLeavesReadyWithRootInput(run, 500, "the root's output");
        assertThat(run.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(repo.stats()).isEqualTo(new Stats(1, new Stats.NodeCounts(0, 500, 0, 1, 0)));
        assertThat(intents(options)).as("intent keys left").isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> readyEvents(events, id).size() == 501);
        assertThat(readyEvents(events, id).values()).as("one NODE_READY per node").containsOnly(1);

        // the finish is idempotent, and a leaf runs as usual
        assertThat(repo.finishNode(id, "root", claim, Result.of(Conclusion.SUCCESS, "the root's output")).status())
                .isEqualTo(NodeStatus.COMPLETED);
        String leafClaim = claim(repo, id, "leaf-7");
        repo.finishNode(id, "leaf-7", leafClaim, Result.of(Conclusion.SUCCESS, "leaf"));
        assertThat(repo.inspectNode(id, "leaf-7").status()).isEqualTo(NodeStatus.COMPLETED);
    }

    @Test
    void theRootOfATenThousandNodeRunPassesItsOutputToEveryChild() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("fan10k");
        EtcdRepository repo = repository(options);
        String id = repo.startRun(runs.create(Graphs.fanOut(9_999, "debug"))).id();
        String claim = claim(repo, id, "root");
        repo.finishNode(id, "root", claim, Result.of(Conclusion.SUCCESS, "big"));
        assertAllLeavesReadyWithRootInput(repo.inspectRun(id), 9_999, "big");
        assertThat(repo.stats()).isEqualTo(new Stats(1, new Stats.NodeCounts(0, 9_999, 0, 1, 0)));
        assertThat(intents(options)).isZero();
    }

    /** root → a-0..a-499, each a-i → b-i: a downstream closure of 1,000 nodes. */
    private static GraphSpec rootOverPairs(int pairs) {
        List<NodeSpec> nodes = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        nodes.add(NodeSpec.of("root", "debug"));
        for (int i = 0; i < pairs; i++) {
            nodes.add(NodeSpec.of("a-" + i, "debug"));
            nodes.add(NodeSpec.of("b-" + i, "debug"));
            edges.add(new Edge("root", "a-" + i));
            edges.add(new Edge("a-" + i, "b-" + i));
        }
        return new GraphSpec(nodes, edges);
    }

    @Test
    void aFinalFailureSkipsADownstreamOfAThousandNodes() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("skip1000");
        EtcdRepository repo = repository(options);
        String id = repo.startRun(runs.create(rootOverPairs(500))).id();

        String claim = claim(repo, id, "root");
        repo.finishNode(id, "root", claim, Result.of(Conclusion.FAIL, "boom"));

        Run run = repo.inspectRun(id);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.outcome()).isEqualTo(RunOutcome.FAILED);
        assertThat(run.nodes()).hasSize(1_001);
        for (Node n : run.nodes()) {
            assertThat(n.status()).as(n.name()).isEqualTo(NodeStatus.COMPLETED);
            if (!n.name().equals("root")) {
                assertThat(n.skipped()).as(n.name()).isTrue();
                assertThat(n.attempts()).as(n.name()).isEmpty();
                assertThat(n.finishedAt()).isEqualTo(run.node("root").finishedAt());
            }
        }
        assertThat(repo.stats()).isEqualTo(new Stats(1, new Stats.NodeCounts(0, 0, 0, 1_001, 0)));
        assertThat(intents(options)).isZero();
    }

    @Test
    void aPropagationStoppedHalfWayIsCompletedByTheRecoveryOfAnyReplicaExactlyOnce() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("interrupted");
        EtcdRepository one = repository(options);
        EventLog events = subscribe(one);
        String id = one.startRun(runs.create(Graphs.fanOut(500, "debug"))).id();
        String claim = claim(one, id, "root");
        one.afterPropagationBatch(n -> {
            if (n == 10) {
                throw new IllegalStateException("deliberate crash after 10 batches");
            }
        });
        assertThatThrownBy(() -> one.finishNode(id, "root", claim, Result.of(Conclusion.SUCCESS, "out")))
                .hasMessageContaining("deliberate");
        one.afterPropagationBatch(n -> { });

        Run half = one.inspectRun(id);
        assertThat(half.node("root").status()).isEqualTo(NodeStatus.COMPLETED);
        long ready = half.nodes().stream().filter(n -> n.status() == NodeStatus.READY).count();
        assertThat(ready).as("children made READY before the crash").isEqualTo(10L * TxnLimits.DEFAULT.nodesPerTxn());
        assertThat(intents(options)).isEqualTo(1);

        // two replicas race to recover it
        EtcdRepository two = repository(options);
        one.intentGrace(Duration.ZERO);
        two.intentGrace(Duration.ZERO);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> recovered = new ArrayList<>();
            for (EtcdRepository replica : List.of(one, two)) {
                recovered.add(pool.submit(() -> {
                    go.await();
                    return replica.recoverPendingFinishes();
                }));
            }
            go.countDown();
            for (Future<Integer> f : recovered) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(intents(options)).isZero();
        Run run = two.inspectRun(id);
        assertAllLeavesReadyWithRootInput(run, 500, "out");
        assertThat(two.stats()).isEqualTo(new Stats(1, new Stats.NodeCounts(0, 500, 0, 1, 0)));
        await().atMost(Duration.ofSeconds(20)).until(() -> readyEvents(events, id).size() == 501);
        assertThat(readyEvents(events, id).values()).as("one NODE_READY per node").containsOnly(1);
        assertThat(two.recoverPendingFinishes()).isZero();
    }

    @Test
    void aStoppedSkipIsCompletedByThePeriodicRecoveryOrByTheAgentRepeatingItsFinish() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("interrupted-skip");
        EtcdRepository one = repository(options);
        String first = one.startRun(runs.create(rootOverPairs(200))).id();
        String second = one.startRun(runs.create(rootOverPairs(200))).id();
        String firstClaim = claim(one, first, "root");
        String secondClaim = claim(one, second, "root");
        one.afterPropagationBatch(n -> {
            if (n == 3) {
                throw new IllegalStateException("deliberate crash after 3 batches");
            }
        });
        Result boom = Result.of(Conclusion.ERROR, "boom");
        assertThatThrownBy(() -> one.finishNode(first, "root", firstClaim, boom)).hasMessageContaining("deliberate");
        assertThatThrownBy(() -> one.finishNode(second, "root", secondClaim, boom)).hasMessageContaining("deliberate");
        one.afterPropagationBatch(n -> { });
        closing.remove(one);
        one.close(); // the replica that finished is gone
        assertThat(intents(options)).isEqualTo(2);

        // the agent repeats its finish (through another replica): the answer is the finished node, passed on
        EtcdRepository two = repository(options);
        assertThat(two.finishNode(first, "root", firstClaim, boom).status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(two.inspectRun(first).status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(intents(options)).isEqualTo(1);

        // nobody repeats the second: a replica's periodic recovery completes it
        two.intentGrace(Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(30)).until(() -> two.inspectRun(second).status() == RunStatus.COMPLETED);
        await().atMost(Duration.ofSeconds(10)).until(() -> intents(options) == 0);
        for (String id : List.of(first, second)) {
            Run run = two.inspectRun(id);
            assertThat(run.outcome()).isEqualTo(RunOutcome.FAILED);
            assertThat(run.nodes().stream().filter(Node::skipped)).hasSize(400);
        }
        assertThat(two.stats()).isEqualTo(new Stats(2, new Stats.NodeCounts(0, 0, 0, 802, 0)));
    }

    @Test
    void twoParentsFinishingAtOnceGiveEverySharedChildBothInputsAndOneReadyEvent() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("two-parents");
        EtcdRepository one = repository(options);
        EtcdRepository two = repository(options);
        EventLog events = subscribe(one);
        List<NodeSpec> nodes = new ArrayList<>(List.of(NodeSpec.of("p0", "debug"), NodeSpec.of("p1", "debug")));
        List<Edge> edges = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            nodes.add(NodeSpec.of("c-" + i, "debug"));
            edges.add(new Edge("p0", "c-" + i));
            edges.add(new Edge("p1", "c-" + i));
        }
        String id = one.startRun(runs.create(new GraphSpec(nodes, edges))).id();
        String c0 = claim(one, id, "p0");
        String c1 = claim(two, id, "p1");

        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(1);
            Future<Node> f0 = pool.submit(() -> {
                go.await();
                return one.finishNode(id, "p0", c0, Result.of(Conclusion.SUCCESS, "zero"));
            });
            Future<Node> f1 = pool.submit(() -> {
                go.await();
                return two.finishNode(id, "p1", c1, Result.of(Conclusion.SUCCESS, "one"));
            });
            go.countDown();
            assertThat(f0.get(90, TimeUnit.SECONDS).status()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(f1.get(90, TimeUnit.SECONDS).status()).isEqualTo(NodeStatus.COMPLETED);
        } finally {
            pool.shutdownNow();
        }

        Run run = one.inspectRun(id);
        for (int i = 0; i < 300; i++) {
            Node c = run.node("c-" + i);
            assertThat(c.status()).as(c.name()).isEqualTo(NodeStatus.READY);
            assertThat(c.inputs()).as(c.name()).containsOnlyKeys("p0", "p1");
            assertThat(text(c.inputs().get("p0"))).isEqualTo("zero");
            assertThat(text(c.inputs().get("p1"))).isEqualTo("one");
        }
        assertThat(intents(options)).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> readyEvents(events, id).size() == 302);
        assertThat(readyEvents(events, id).values()).as("one NODE_READY per node").containsOnly(1);
    }
}
