package io.adagio.agent;

import io.adagio.Graphs;
import io.adagio.agent.runtime.NodeRuntime;
import io.adagio.agent.runtime.Task;
import io.adagio.config.AgentProperties;
import io.adagio.engine.RunFactory;
import io.adagio.model.Conclusion;
import io.adagio.model.GraphSpec;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.RetryRule;
import io.adagio.model.Run;
import io.adagio.repository.Repository;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent pool with slots, on each transport ({@code LocalAgentPoolTest} in process, {@code HttpAgentPoolTest}
 * over HTTP): the service's own pool (mode {@code all}, 3 agents × 4 slots) runs fan-outs and chains, every node
 * exactly once (counted by the work itself); pools built here, with runtimes of their own, show the slots, the
 * batches, orphan recovery, shutdown, a lost claim answer and a result the control plane refuses (outputs are
 * limited to 64 KB here). Runs are started through the repository.
 */
@Timeout(120)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "adagio.mode=all", "adagio.agent.concurrency=3", "adagio.agent.slots=4",
        "adagio.agent.runtimes=debug,counted", "adagio.agent.id-prefix=pool",
        "adagio.memory.lease-check-interval=50ms", "adagio.limits.max-output-size=64KB"})
@Import(AgentPoolContract.Runtimes.class)
abstract class AgentPoolContract {
    @Autowired
    Repository repository;
    @Autowired
    RunFactory runs;
    @Autowired
    Counted counted;
    @Autowired
    MeterRegistry registry;

    private final List<AgentPool> pools = new ArrayList<>();

    /** A fresh connection to the service, through the transport under test. */
    protected abstract ControlPlane connect();

    /** Whether the service's own pool talks to it over HTTP. */
    protected abstract boolean overHttp();

    /** Counts executions per node and which agent ran them (its slot threads are named after it). */
    static final class Counted implements NodeRuntime {
        final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        final Map<String, String> agents = new ConcurrentHashMap<>();

        @Override
        public String name() {
            return "counted";
        }

        @Override
        public Result run(Task task) {
            String key = task.runId() + "/" + task.spec().name();
            runs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            agents.put(key, Thread.currentThread().getName().replaceFirst("-slot-\\d+$", ""));
            return Result.of(Conclusion.SUCCESS, task.spec().name());
        }

        int runsOf(String runId, String node) {
            AtomicInteger n = runs.get(runId + "/" + node);
            return n == null ? 0 : n.get();
        }
    }

    @TestConfiguration
    static class Runtimes {
        @Bean
        Counted counted() {
            return new Counted();
        }
    }

    @AfterEach
    void stopPools() {
        pools.forEach(AgentPool::stop);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private String start(GraphSpec graph) {
        return repository.startRun(runs.create(graph)).id();
    }

    private static GraphSpec graph(String runtime, List<String> names, String... edges) {
        return new GraphSpec(names.stream().map(n -> NodeSpec.of(n, runtime)).toList(), Graphs.edges(edges));
    }

    private Run awaitCompleted(String runId, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(20)).until(() -> repository.isRunCompleted(runId));
        return repository.inspectRun(runId);
    }

    private long countIn(String runId, NodeStatus status) {
        return repository.inspectRun(runId).nodes().stream().filter(n -> n.status() == status).count();
    }

    private static String text(Result r) {
        return new String(r.output(), StandardCharsets.UTF_8);
    }

    /** A pool of this test's own, offering {@code runtime}, each agent's connection recorded. */
    private AgentPool pool(NodeRuntime runtime, int agents, int slots, List<Recorded> connections) {
        AgentProperties props = new AgentProperties(null, AgentProperties.Transport.AUTO, agents, slots,
                List.of(runtime.name()), unique("own"), Duration.ofMillis(50), Duration.ofMillis(500),
                new AgentProperties.Exec(false, List.of(), Duration.ofSeconds(5), List.of("PATH"), null), null);
        AgentPool pool = new AgentPool(props, List.of(runtime), id -> {
            Recorded r = new Recorded(connect());
            connections.add(r);
            return r;
        }, "test");
        pools.add(pool);
        pool.start();
        return pool;
    }

    // ---- the service's own pool ---------------------------------------------------------------------------

    @Test
    void aFanOutOfFiveHundredOnThreeAgentsWithFourSlotsRunsEveryNodeExactlyOnce() {
        String run = start(Graphs.fanOut(500, "counted"));
        Run done = awaitCompleted(run, Duration.ofSeconds(60));
        assertThat(done.outcome().name()).isEqualTo("SUCCEEDED");
        assertThat(done.nodes()).hasSize(501).allSatisfy(n -> {
            assertThat(counted.runsOf(run, n.name())).as("%s ran exactly once", n.name()).isEqualTo(1);
            assertThat(n.attempts()).as(n.name()).hasSize(1);
        });
        assertThat(counted.runs.keySet().stream().filter(k -> k.startsWith(run + "/")).count()).isEqualTo(501);
        Timer finishes = registry.find("http.server.requests").tag("uri", "/v0/agents/{agentId}/finishes").timer();
        assertThat(finishes != null && finishes.count() > 0).as("the pool finished over HTTP").isEqualTo(overHttp());
    }

    @Test
    void aChainRunsOnOneAgentThroughEagerDispatch() {
        String run = start(Graphs.chain(40, "counted"));
        Run done = awaitCompleted(run, Duration.ofSeconds(30));
        assertThat(done.outcome().name()).isEqualTo("SUCCEEDED");
        Set<String> agents = done.nodes().stream().map(n -> counted.agents.get(run + "/" + n.name()))
                .collect(Collectors.toSet());
        assertThat(agents).as("each finish is answered with the next node, claimed for its agent").hasSize(1);
        assertThat(done.nodes()).allSatisfy(n -> assertThat(counted.runsOf(run, n.name())).isEqualTo(1));
    }

    // ---- pools of the test's own ---------------------------------------------------------------------------

    @Test
    void anAgentHoldsAsManyNodesAsItHasSlotsAndNoMore() {
        Gate gate = new Gate(unique("gate"));
        pool(gate, 1, 3, new ArrayList<>());
        String run = start(graph(gate.name(), List.of("a", "b", "c", "d")));

        await().atMost(Duration.ofSeconds(10)).until(() -> gate.waiting() == 3);
        assertThat(countIn(run, NodeStatus.RUNNING)).isEqualTo(3);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() ->
                gate.waiting() == 3 && countIn(run, NodeStatus.READY) == 1);

        gate.open(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> gate.done() == 1 && gate.waiting() == 3
                && countIn(run, NodeStatus.READY) == 0);
        gate.open(3);
        awaitCompleted(run, Duration.ofSeconds(10));
        assertThat(gate.mostAtOnce()).isEqualTo(3);
    }

    @Test
    void resultsAreFinishedInBatchesFarFewerThanTheNodes() {
        Gate gate = new Gate(unique("batched"));
        List<Recorded> connections = new ArrayList<>();
        pool(gate, 1, 4, connections);
        String run = start(Graphs.fanOut(50, gate.name()));
        // let the nodes go a slot-full at a time, once the agent holds that many: the root, then 12 × 4, then 2
        await().atMost(Duration.ofSeconds(10)).until(() -> gate.waiting() == 1);
        gate.open(1);
        int opened = 1;
        while (opened < 51) {
            int group = Math.min(4, 51 - opened);
            int before = opened;
            await().atMost(Duration.ofSeconds(10)).until(() -> gate.done() == before && gate.waiting() == group);
            gate.open(group);
            opened += group;
        }
        awaitCompleted(run, Duration.ofSeconds(10));
        Recorded agent = connections.get(0);
        assertThat(agent.finished.get()).as("every node finished once, in batches").isEqualTo(51);
        assertThat(agent.singleFinishes.get()).isZero();
        assertThat(agent.finishBatches.get()).as("finish calls for 51 nodes, 4 at a time (14 at best)")
                .isLessThanOrEqualTo(20);
        assertThat(repository.inspectRun(run).nodes()).allSatisfy(n -> assertThat(gate.runsOf(run, n.name())).isEqualTo(1));
    }

    @Test
    void anOrphanedNodeIsRecoveredAsAnErrorAndRunAgainByAnAgentWithSlots() throws Exception {
        Gate gate = new Gate(unique("orphan"));
        String doomed = unique("doomed");
        ControlPlane outside = connect();
        outside.register(doomed, List.of(gate.name()));
        String run = start(new GraphSpec(List.of(new NodeSpec("a", gate.name(), Map.of(),
                Map.of("error", new RetryRule(2)))), List.of()));
        assertThat(outside.claimBatch(doomed, 1, Duration.ZERO, null)).singleElement()
                .satisfies(c -> assertThat(c.node().name()).isEqualTo("a"));
        pool(gate, 1, 2, new ArrayList<>());

        outside.unregister(doomed); // the agent is gone: its node is orphaned
        await().atMost(Duration.ofSeconds(10)).until(() -> gate.waiting() == 1);
        gate.open(1);
        Node a = awaitCompleted(run, Duration.ofSeconds(10)).nodes().get(0);
        assertThat(a.attempts()).extracting(Result::conclusion).containsExactly(Conclusion.ERROR, Conclusion.SUCCESS);
        assertThat(text(a.attempts().get(0))).isEqualTo(PoolAgent.ORPHANED);
        assertThat(gate.runsOf(run, "a")).as("the orphan was not run, the retry was").isEqualTo(1);
    }

    @Test
    void stoppingLetsTheNodesInHandFinishForTheGraceThenReleasesTheRest() {
        Gate gate = new Gate(unique("stopping"));
        AgentPool pool = pool(gate, 1, 3, new ArrayList<>());
        String agent = pool.agentIds().get(0);
        String run = start(graph(gate.name(), List.of("a", "b", "c")));
        await().atMost(Duration.ofSeconds(10)).until(() -> gate.waiting() == 3);

        Thread stopping = new Thread(pool::stop, "stop-" + agent);
        stopping.start();
        gate.open(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !stopping.isAlive());

        List<Node> nodes = repository.inspectRun(run).nodes();
        assertThat(nodes.stream().filter(n -> n.status() == NodeStatus.COMPLETED))
                .as("the node let go during the grace was finished").singleElement()
                .satisfies(n -> assertThat(n.attempts()).extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS));
        assertThat(nodes.stream().filter(n -> n.status() != NodeStatus.COMPLETED))
                .as("the nodes still running after the grace were released (orphaned), not finished").hasSize(2)
                .allSatisfy(n -> {
                    assertThat(n.status()).isEqualTo(NodeStatus.NONE);
                    assertThat(n.attempts()).isEmpty();
                });
        assertThat(repository.listAgents()).extracting(a -> a.id()).doesNotContain(agent);
    }

    /** A pool of one agent of this test's own on a gate runtime, its one connection recorded. */
    private record Lossy(Gate gate, String agent, Recorded connection) {
    }

    private Lossy lossyPool(int slots) {
        Gate gate = new Gate(unique("lossy"));
        List<Recorded> connections = new ArrayList<>();
        AgentPool pool = pool(gate, 1, slots, connections);
        return new Lossy(gate, pool.agentIds().get(0), connections.get(0));
    }

    @Test
    void aBatchClaimWhoseAnswerIsLostIsAskedForByItsRequestIdAndRun() {
        Lossy lossy = lossyPool(3);
        Gate gate = lossy.gate();
        String agent = lossy.agent();
        Recorded connection = lossy.connection();
        String first = start(graph(gate.name(), List.of("held")));
        await().atMost(Duration.ofSeconds(10)).until(() -> gate.waiting() == 1);

        connection.loseTheNextClaimsThatWin(1);
        String second = start(graph(gate.name(), List.of("lost")));
        await().atMost(Duration.ofSeconds(10)).until(() -> gate.waiting() == 2);
        assertThat(connection.lost).singleElement().satisfies(c ->
                assertThat(repository.inspectNode(second, "lost").claim().id())
                        .as("the claim asked for again is the one whose answer was lost").isEqualTo(c.claim().id()));

        gate.open(2);
        assertThat(awaitCompleted(first, Duration.ofSeconds(10)).nodes().get(0).attempts())
                .extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS);
        assertThat(awaitCompleted(second, Duration.ofSeconds(10)).nodes().get(0).attempts())
                .as("run once, by the agent that claimed it: nothing released, nothing orphaned")
                .extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS);
        assertThat(List.of(gate.runsOf(first, "held"), gate.runsOf(second, "lost"))).containsOnly(1);
        assertThat(repository.listAgents()).extracting(a -> a.id()).contains(agent);
    }

    @Test
    void aBatchClaimWhoseAnswerIsLostWithTheControlPlaneIsRunWhenItComesBackHoweverLongItTakes() {
        Lossy lossy = lossyPool(1);
        Recorded connection = lossy.connection();
        connection.loseTheNextClaimThatWinsAndGoUnreachable(); // as when its process is killed mid-answer
        Gate gate = lossy.gate();
        String id = start(graph(gate.name(), List.of("lost")));
        await().atMost(Duration.ofSeconds(10)).until(() -> !connection.lost.isEmpty());
        // asked for more often than the asks that reach it and fail before the agent gives up and releases
        await().atMost(Duration.ofSeconds(8)).until(() ->
                connection.claimedForAsks.get() > PoolAgent.LOST_CLAIM_ATTEMPTS + 1);
        assertThat(repository.inspectNode(id, "lost").status()).as("still held by the agent's lease")
                .isEqualTo(NodeStatus.RUNNING);

        connection.unreachable.set(false); // back, within the lease TTL
        await().atMost(Duration.ofSeconds(10)).until(() -> gate.waiting() == 1);
        gate.open(1);
        assertThat(awaitCompleted(id, Duration.ofSeconds(10)).nodes().get(0).attempts())
                .as("run once, by the agent that claimed it: nothing released, nothing orphaned")
                .extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS);
        assertThat(gate.runsOf(id, "lost")).isEqualTo(1);
        assertThat(connection.unregisters.get()).as("its lease was never ended").isZero();
        assertThat(repository.listAgents()).extracting(a -> a.id()).contains(lossy.agent());
    }

    @Test
    void aBatchClaimWhoseAnswerStaysLostIsReleasedOnceTheNodesInHandAreFinished() {
        releasedOnceTheNodesInHandAreFinished(c -> c.claimedForDown.set(true)); // its claims cannot be asked for
    }

    @Test
    void aBatchClaimWhoseClaimsAreNotFoundYetIsReleasedToo() {
        // the lookup answers none, as if the lost request were still claiming on the server: not trusted
        releasedOnceTheNodesInHandAreFinished(c -> c.claimedForTooSoon.set(true));
    }

    private void releasedOnceTheNodesInHandAreFinished(java.util.function.Consumer<Recorded> howItStaysLost) {
        Lossy lossy = lossyPool(3);
        Gate gate = lossy.gate();
        String agent = lossy.agent();
        Recorded connection = lossy.connection();
        String first = start(graph(gate.name(), List.of("held")));
        await().atMost(Duration.ofSeconds(10)).until(() -> gate.waiting() == 1);

        connection.loseTheNextClaimsThatWin(1);
        howItStaysLost.accept(connection);
        String second = start(new GraphSpec(List.of(new NodeSpec("lost", gate.name(), Map.of(),
                Map.of("error", new RetryRule(2)))), List.of()));
        await().atMost(Duration.ofSeconds(10)).until(() -> !connection.lost.isEmpty());
        assertThat(repository.inspectNode(second, "lost").status()).as("claimed for the agent, which does not know it")
                .isEqualTo(NodeStatus.RUNNING);
        String third = start(graph(gate.name(), List.of("later")));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() ->
                gate.waiting() == 1 && repository.inspectNode(third, "later").status() == NodeStatus.READY);

        gate.open(1); // the node in hand finishes; then the agent releases its lease and registers again
        await().atMost(Duration.ofSeconds(10)).until(() -> gate.done() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> gate.waiting() == 2);
        gate.open(2);
        assertThat(awaitCompleted(first, Duration.ofSeconds(10)).nodes().get(0).attempts())
                .as("the node it knew was finished, not released").extracting(Result::conclusion)
                .containsExactly(Conclusion.SUCCESS);
        Node lost = awaitCompleted(second, Duration.ofSeconds(10)).nodes().get(0);
        assertThat(lost.attempts()).as("released, recovered as an orphan, then run")
                .extracting(Result::conclusion).containsExactly(Conclusion.ERROR, Conclusion.SUCCESS);
        assertThat(text(lost.attempts().get(0))).isEqualTo(PoolAgent.ORPHANED);
        awaitCompleted(third, Duration.ofSeconds(10));
        assertThat(List.of(gate.runsOf(first, "held"), gate.runsOf(second, "lost"), gate.runsOf(third, "later")))
                .containsOnly(1);
        assertThat(repository.listAgents()).extracting(a -> a.id()).contains(agent);
    }

    @Test
    void aResultOverTheOutputLimitIsFinishedErrorAndTheRestOfItsBatchStillCounts() {
        String name = unique("large");
        NodeRuntime large = new NodeRuntime() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Result run(Task task) {
                return task.spec().name().equals("big") ? new Result(Conclusion.SUCCESS, Map.of(), new byte[100 * 1024])
                        : Result.of(Conclusion.SUCCESS, task.spec().name());
            }
        };
        pool(large, 1, 4, new ArrayList<>());
        String run = start(graph(name, List.of("big", "a", "b")));
        Map<String, Node> nodes = awaitCompleted(run, Duration.ofSeconds(20)).nodes().stream()
                .collect(Collectors.toMap(Node::name, n -> n));
        assertThat(nodes.get("big").attempts()).singleElement().satisfies(r -> {
            assertThat(r.conclusion()).isEqualTo(Conclusion.ERROR);
            assertThat(text(r)).startsWith("the control plane refused the result").contains("bytes");
        });
        assertThat(List.of(nodes.get("a"), nodes.get("b"))).allSatisfy(n -> assertThat(n.attempts())
                .extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS));
    }
}
