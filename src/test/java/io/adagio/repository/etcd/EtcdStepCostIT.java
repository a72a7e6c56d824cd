package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Dispatch;
import io.adagio.repository.Finished;
import io.adagio.support.EtcdProcess;
import io.adagio.support.MovableClock;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a step costs on etcd, counted call by call (the repository's own {@link EtcdObserver}) against a real
 * etcd: a claim is one read and one transaction; a finish is at most one read (the node with its children, what
 * the replica does not know from the transaction that claimed it) and one transaction, which also claims the
 * child it makes READY for the finishing agent (or a READY node to fill up with) and says whether the run is
 * complete; a lease is renewed at most once per tenth of its TTL. The clock moves only when a test moves it, so
 * what the replica knows of its agents stays fresh; the lease it knows is checked by etcd itself on every write.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EtcdStepCostIT {
    private static EtcdProcess etcd;
    private static Client admin;

    private final MovableClock clock = new MovableClock();
    /** Calls of the {@link #counting} thread, added by it alone. */
    private final List<String> calls = new ArrayList<>();
    private volatile Thread counting;
    /** Calls made on the replica's event delivery threads (where waiting claims try), from any of them. */
    private final List<String> deliveryCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
    private EtcdOptions options;
    private EtcdRepository repo;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdProcess.start();
        admin = Client.builder().endpoints(etcd.endpoint()).build();
    }

    @AfterAll
    static void stopEtcd() {
        admin.close();
        etcd.close();
    }

    @BeforeEach
    void open() {
        options = SharedEtcd.optionsOn(etcd, "cost", 1000);
        openOn(options);
        repo.registerAgent(new Agent("agent-1", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(30));
    }

    /** A replica on {@code on} whose etcd calls on the {@link #counting} thread are counted. */
    private void openOn(EtcdOptions on) {
        repo = EtcdRepositories.open(on, clock);
        repo.observe(new EtcdObserver() {
            @Override
            public void call(String kind, long nanos, boolean ok) {
                if (Thread.currentThread() == counting) { // not the background recovery sweep's calls
                    calls.add(kind);
                }
                if (Thread.currentThread().getName().startsWith("adagio-etcd-events-")) {
                    deliveryCalls.add(kind);
                }
            }

            @Override
            public void conflict() {
            }
        });
    }

    @AfterEach
    void close() {
        repo.close();
    }

    /** The etcd calls {@code r} makes on this thread. */
    private List<String> counted(Runnable r) {
        calls.clear();
        counting = Thread.currentThread();
        try {
            r.run();
        } finally {
            counting = null;
        }
        return List.copyOf(calls); // only this thread added to it
    }

    private static Map<String, String> text(Map<String, byte[]> inputs) {
        Map<String, String> out = new java.util.TreeMap<>();
        inputs.forEach((k, v) -> out.put(k, new String(v, java.nio.charset.StandardCharsets.UTF_8)));
        return out;
    }

    private String start(io.adagio.model.GraphSpec graph) {
        return repo.startRun(new RunFactory(clock).create(graph)).id();
    }

    @Test
    void aClaimOfANodeTheWatchHasNotSeenIsOneReadAndOneTransaction() {
        String run = start(Graphs.single("a"));
        repo.close();
        openOn(options); // a replica whose watch started after it was READY: it has not seen it
        repo.inspectRun(run); // it knows the run's shape (immutable, cached once read)
        repo.heartbeat("agent-1"); // and its agent
        ClaimOutcome[] won = new ClaimOutcome[1];
        List<String> cost = counted(() -> won[0] = repo.claimNode(run, "a", "agent-1", Claim.of("c-1")));
        assertThat(won[0].claimed()).isTrue();
        assertThat(cost).containsExactly("txn", "txn");
    }

    @Test
    void aClaimOfAChildTheWatchSawReadyIsOneTransactionThatAlsoReadsItsParentsOutput() {
        String run = start(Graphs.chain(2, "debug"));
        String n0 = repo.claimNode(run, "n0", "agent-1", Claim.of("c-0")).claim().id();
        seenReady(repo, () -> repo.finishNode(run, "n0", n0, Result.of(Conclusion.SUCCESS, "zero"), Dispatch.NONE),
                "n1");
        ClaimOutcome[] won = new ClaimOutcome[1];
        List<String> cost = counted(() -> won[0] = repo.claimNode(run, "n1", "agent-1", Claim.of("c-1")));
        assertThat(text(won[0].node().inputs())).isEqualTo(Map.of("n0", "zero"));
        assertThat(cost).as("its value and ready key as the watch saw them: no read").containsExactly("txn");
    }

    @Test
    void aBatchClaimIsOneRangeOneReadAndOneTransactionForUpToSixteenNodes() {
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            runs.add(start(Graphs.fanOut(0, "debug")));
        }
        String fan = start(Graphs.fanOut(20, "debug"));
        String root = repo.claimNode(fan, "root", "agent-1", Claim.of("r")).claim().id();
        repo.finishNode(fan, "root", root, Result.of(Conclusion.SUCCESS, "r"), Dispatch.NONE);
        repo.close();
        openOn(options); // a replica whose watch started after they were READY: it has no hints of them
        runs.forEach(repo::inspectRun); // it knows the runs' shapes (immutable, cached once read)
        repo.inspectRun(fan);
        repo.heartbeat("agent-1"); // and its agent
        int[] n = {0};
        List<ClaimOutcome> won = new ArrayList<>();
        List<String> cost = counted(() -> won.addAll(repo.claimReady("agent-1", 12, () -> Claim.of("b-" + n[0]++))));
        assertThat(won).hasSize(12).allSatisfy(c -> assertThat(c.node().status()).isEqualTo(NodeStatus.RUNNING));
        assertThat(cost).as("the ready keys, the nodes, one claim transaction (which also reads their parent:"
                + " outputs are stored once)").containsExactly("get", "txn", "txn");
        assertThat(won).allSatisfy(c -> assertThat(text(c.node().inputs()))
                .isEqualTo(c.node().name().equals("root") ? Map.of() : Map.of("root", "r")));
        assertThat(won.stream().map(c -> c.runId() + "/" + c.node().name()).distinct()).hasSize(12);

        List<ClaimOutcome> rest = new ArrayList<>();
        while (true) {
            List<ClaimOutcome> batch = repo.claimReady("agent-1", 12, () -> Claim.of("b-" + n[0]++));
            if (batch.isEmpty()) {
                break;
            }
            rest.addAll(batch);
        }
        assertThat(won.size() + rest.size()).as("5 single-node runs and 20 leaves, each claimed once").isEqualTo(25);
        assertThat(java.util.stream.Stream.concat(won.stream(), rest.stream())
                .map(c -> c.runId() + "/" + c.node().name()).distinct()).hasSize(25);
    }

    /**
     * READY nodes the replica's watch has seen are claimed with no listing of etcd's ready keys, and no read: the
     * watch saw their values put with their ready keys.
     */
    @Test
    void aBatchClaimOfNodesTheWatchHasSeenReadyIsOneTransaction() throws Exception {
        String fan = start(Graphs.fanOut(12, "debug"));
        String root = repo.claimNode(fan, "root", "agent-1", Claim.of("r")).claim().id();
        seenReady(repo, () -> repo.finishNode(fan, "root", root, Result.of(Conclusion.SUCCESS, "r"), Dispatch.NONE),
                java.util.stream.IntStream.range(0, 12).mapToObj(i -> "leaf-" + i).toArray(String[]::new));
        int[] n = {0};
        List<ClaimOutcome> won = new ArrayList<>();
        List<String> cost = counted(() -> won.addAll(repo.claimReady("agent-1", 12, () -> Claim.of("b-" + n[0]++))));
        assertThat(cost).as("one claim transaction").containsExactly("txn");
        assertThat(won).hasSize(12).allSatisfy(c -> assertThat(c.node().status()).isEqualTo(NodeStatus.RUNNING));
        assertThat(won.stream().map(c -> c.node().name()).distinct()).hasSize(12);
        assertThat(repo.claimReady("agent-1", 12, () -> Claim.of("b-" + n[0]++))).as("none left").isEmpty();
    }

    /**
     * What the watch saw of a READY node may no longer hold when it is claimed (here its value was written again by
     * another writer, its ready key left as it was): the claim's transaction, guarded by what was seen, fails; the
     * nodes are read and claimed, each once — a batch claim, then a single claim.
     */
    @Test
    void aClaimOfANodeNoLongerAsTheWatchSawItReadsItAndClaimsItOnce() throws Exception {
        Keys keys = new Keys(options.namespace(), options.list());
        String batch = start(Graphs.fanOut(3, "debug"));
        threeLeavesReady(repo, batch);
        rewrite(keys.node(batch, "leaf-1"));
        int[] n = {0};
        List<ClaimOutcome> won = new ArrayList<>();
        assertThat(counted(() -> won.addAll(repo.claimReady("agent-1", 3, () -> Claim.of("b-" + n[0]++)))))
                .as("the transaction guarded by what was seen fails; a read; the claim of all three")
                .containsExactly("txn", "txn", "txn");
        assertThat(won).extracting(c -> c.node().name()).containsExactlyInAnyOrder("leaf-0", "leaf-1", "leaf-2");
        assertThat(repo.claimReady("agent-1", 3, () -> Claim.of("b-" + n[0]++))).as("each claimed once").isEmpty();

        String single = start(Graphs.fanOut(3, "debug"));
        threeLeavesReady(repo, single);
        rewrite(keys.node(single, "leaf-1"));
        ClaimOutcome[] one = new ClaimOutcome[1];
        assertThat(counted(() -> one[0] = repo.claimNode(single, "leaf-1", "agent-1", Claim.of("c-1"))))
                .as("the transaction guarded by what was seen fails; a read; the claim")
                .containsExactly("txn", "txn", "txn");
        assertThat(one[0].claimed()).isTrue();
        assertThat(repo.inspectNode(single, "leaf-1").claim().id()).isEqualTo(one[0].claim().id());
        assertThat(repo.claimNode(single, "leaf-1", "agent-1", Claim.of("c-2")).claimed()).as("once").isFalse();
    }

    /** Puts {@code key}'s value again, as another writer may: its mod revision moves, nothing else. */
    private void rewrite(String key) throws Exception {
        KeyValue value = only(key);
        admin.getKVClient().put(value.getKey(), value.getValue()).get(5, TimeUnit.SECONDS);
    }

    /**
     * Claims and finishes the root of a 1 → 3 fan-out {@code run} for agent-1 and waits until the replica's watch
     * has offered its three leaves READY (so it holds them as hints, with the facts it saw).
     */
    static void threeLeavesReady(EtcdRepository repo, String run) {
        String root = repo.claimNode(run, "root", "agent-1", Claim.of("r")).claim().id();
        seenReady(repo, () -> repo.finishNode(run, "root", root, Result.of(Conclusion.SUCCESS, "r"), Dispatch.NONE),
                "leaf-0", "leaf-1", "leaf-2");
    }

    /**
     * Runs {@code makesReady} and waits until the replica's watch has offered {@code names} READY: a subscription
     * taken before it, whose NODE_READY come from the watch after it kept them as hints (a snapshot is read from
     * etcd, which may be ahead of the watch).
     */
    static void seenReady(EtcdRepository repo, Runnable makesReady, String... names) {
        java.util.Set<String> offered = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicBoolean snapshot = new java.util.concurrent.atomic.AtomicBoolean();
        try (io.adagio.repository.Subscription s = repo.subscribe(io.adagio.repository.EventFilter.all(), null,
                new io.adagio.repository.EventSink() {
                    @Override
                    public void onSnapshot(io.adagio.repository.Cursor at, List<io.adagio.model.Event> now,
                                           boolean reset) {
                        snapshot.set(true);
                    }

                    @Override
                    public void onEvent(io.adagio.repository.CursoredEvent e) {
                        if (e.event().type() == io.adagio.model.EventType.NODE_READY) {
                            offered.add(e.event().nodeSpec().name());
                        }
                    }
                })) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilTrue(snapshot);
            makesReady.run();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> offered.containsAll(List.of(names)));
        }
    }

    @Test
    void aNodeMadeReadyIsTriedByOneOfTheClaimsWaitingOnTheReplicaNotByEach() throws Exception {
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        var agents = new io.adagio.control.Agents(repo, Duration.ofSeconds(30), clock);
        try (var claims = new io.adagio.control.ReadyClaims(repo, agents,
                new io.adagio.control.ControlMetrics(registry, repo), registry)) {
            List<java.util.concurrent.CompletableFuture<List<ClaimOutcome>>> waits = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                agents.register("waiter-" + i, List.of(new AgentRuntime("debug")));
                waits.add(claims.claim("waiter-" + i, 1, Duration.ofSeconds(8)));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> claims.waiting() == 4);
            deliveryCalls.clear();

            String run = start(Graphs.single("a"));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> waits.stream().filter(java.util.concurrent.CompletableFuture::isDone).count() == 1);
            // the three others saw the same NODE_READY and left it to the first: no read, no transaction
            org.awaitility.Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> claims.waiting() == 3);
            List<ClaimOutcome> won = waits.stream().filter(java.util.concurrent.CompletableFuture::isDone)
                    .findFirst().orElseThrow().get();
            assertThat(won).singleElement().satisfies(c -> assertThat(c.runId()).isEqualTo(run));
            assertThat(deliveryCalls.stream().filter("txn"::equals).toList())
                    .as("one claim transaction for the node (as the watch saw it), whichever claim tried it")
                    .hasSize(1);

            // a second node is tried by one of the three still waiting, and claimed exactly once
            String second = start(Graphs.single("b"));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> waits.stream().filter(java.util.concurrent.CompletableFuture::isDone).count() == 2);
            assertThat(repo.inspectNode(second, "b").status()).isEqualTo(NodeStatus.RUNNING);
            assertThat(repo.inspectNode(run, "a").status()).isEqualTo(NodeStatus.RUNNING);
        }
    }

    @Test
    void aChainStepAfterAClaimIsOneTransactionThatAlsoClaimsTheNextNode() throws Exception {
        String run = start(Graphs.chain(3, "debug"));
        String claim = repo.claimNode(run, "n0", "agent-1", Claim.of("c-0")).claim().id();
        Finished[] f = new Finished[1];
        List<String> cost = counted(() -> f[0] = repo.finishNode(run, "n0", claim,
                Result.of(Conclusion.SUCCESS, "zero"), new Dispatch("agent-1", 1, () -> "c-1")));
        assertThat(cost).as("the node's facts and its child's are known (the claim wrote the one and read the other"
                + " after its writes): one transaction").containsExactly("txn");
        assertThat(f[0].runCompleted()).isFalse();
        assertThat(f[0].next()).singleElement().satisfies(c -> {
            assertThat(c.node().name()).isEqualTo("n1");
            assertThat(c.node().status()).isEqualTo(NodeStatus.RUNNING);
        });

        Keys keys = new Keys(options.namespace(), options.list());
        KeyValue completed = only(keys.state(NodeStatus.COMPLETED, run, "n0"));
        KeyValue running = only(keys.state(NodeStatus.RUNNING, run, "n1"));
        assertThat(running.getModRevision()).as("the child was claimed in the finish's own transaction")
                .isEqualTo(completed.getModRevision());
        assertThat(running.getLease()).as("on the finishing agent's lease").isEqualTo(lease("agent-1"));
        assertThat(admin.getKVClient().get(Keys.bytes(keys.state(NodeStatus.READY, run, "n1"))).get(5, TimeUnit.SECONDS)
                .getKvs()).as("it was never READY: no agent was offered it").isEmpty();

        String c1 = f[0].next().get(0).claim().id();
        List<String> next = counted(() -> f[0] = repo.finishNode(run, "n1", c1, Result.of(Conclusion.SUCCESS, "one"),
                new Dispatch("agent-1", 1, () -> "c-2")));
        assertThat(next).as("the next step: its node and child were read by the transaction that claimed it, so"
                + " one transaction").containsExactly("txn");
        assertThat(f[0].next()).singleElement().satisfies(c -> {
            assertThat(c.node().name()).isEqualTo("n2");
            assertThat(text(c.node().inputs())).isEqualTo(Map.of("n1", "one"));
        });
        assertThat(repo.inspectNode(run, "n1").status()).isEqualTo(NodeStatus.COMPLETED);
    }

    /**
     * A fan-out's leaf readies nothing; its finish asked to fill ({@link Dispatch#fill}) claims a READY sibling the
     * watch has seen (with its value) in its own transaction: a leaf costs one transaction, not that and a batch
     * claim (a range, a read and a transaction) after it.
     */
    @Test
    void aLeafsFinishThatFillsIsOneTransactionThatAlsoClaimsAReadySibling() throws Exception {
        String run = start(Graphs.fanOut(3, "debug"));
        threeLeavesReady(repo, run);
        ClaimOutcome first = repo.claimNode(run, "leaf-0", "agent-1", Claim.of("c-0"));
        Finished[] f = new Finished[1];
        List<String> cost = counted(() -> f[0] = repo.finishNode(run, "leaf-0", first.claim().id(),
                Result.of(Conclusion.SUCCESS, "zero"), new Dispatch("agent-1", 1, () -> "c-1", "finishes:c-0")));
        assertThat(cost).as("the leaf known from its claim, its READY sibling as the watch saw it: one transaction")
                .containsExactly("txn");
        assertThat(f[0].filled()).isTrue();
        assertThat(f[0].next()).singleElement().satisfies(c -> {
            assertThat(c.node().name()).isIn("leaf-1", "leaf-2");
            assertThat(c.node().status()).isEqualTo(NodeStatus.RUNNING);
            assertThat(c.claim().requestId()).isEqualTo("finishes:c-0");
            assertThat(text(c.node().inputs())).as("its parent's output, read by the transaction").isEqualTo(Map.of("root", "r"));
        });
        String sibling = f[0].next().get(0).node().name();
        Keys keys = new Keys(options.namespace(), options.list());
        assertThat(only(keys.state(NodeStatus.RUNNING, run, sibling)).getModRevision())
                .as("claimed in the finish's own transaction")
                .isEqualTo(only(keys.state(NodeStatus.COMPLETED, run, "leaf-0")).getModRevision());
        assertThat(repo.inspectNode(run, sibling).claim().agentId()).isEqualTo("agent-1");

        // that transaction also read the last READY leaf for the agent's next finish: it needs no read at all
        ClaimOutcome second = f[0].next().get(0);
        List<String> then = counted(() -> f[0] = repo.finishNode(run, sibling, second.claim().id(),
                Result.of(Conclusion.SUCCESS, "one"), new Dispatch("agent-1", 1, () -> "c-2", "finishes:c-1")));
        assertThat(then).as("one transaction").containsExactly("txn");
        assertThat(f[0].next()).singleElement().satisfies(c -> {
            assertThat(c.node().name()).isNotIn("leaf-0", sibling);
            assertThat(text(c.node().inputs())).isEqualTo(Map.of("root", "r"));
        });
        ClaimOutcome last = f[0].next().get(0);
        List<String> end = counted(() -> f[0] = repo.finishNode(run, last.node().name(), last.claim().id(),
                Result.of(Conclusion.SUCCESS, "two"), new Dispatch("agent-1", 1, () -> "c-3", "finishes:c-2")));
        assertThat(end).as("nothing left to fill up with: one transaction, which counts the run complete")
                .containsExactly("txn");
        assertThat(f[0].next()).isEmpty();
        assertThat(f[0].filled()).isFalse();
        assertThat(f[0].runCompleted()).isTrue();
    }

    @Test
    void theLastFinishOfARunIsOneReadAndOneTransactionAndSaysSo() {
        String run = start(Graphs.chain(2, "debug"));
        String c0 = repo.claimNode(run, "n0", "agent-1", Claim.of("c-0")).claim().id();
        String c1 = repo.finishNode(run, "n0", c0, Result.of(Conclusion.SUCCESS, "zero"),
                new Dispatch("agent-1", 1, () -> "c-1")).next().get(0).claim().id();
        Finished[] f = new Finished[1];
        List<String> cost = counted(() -> f[0] = repo.finishNode(run, "n1", c1, Result.of(Conclusion.SUCCESS, "one"),
                new Dispatch("agent-1", 1, () -> "c-2")));
        assertThat(cost).as("claimed by the step before it: one transaction").containsExactly("txn");
        assertThat(f[0].runCompleted()).isTrue();
        assertThat(f[0].outcome()).as("told by that transaction").isEqualTo(io.adagio.model.RunOutcome.SUCCEEDED);
        assertThat(repo.isRunCompleted(run)).isTrue();
    }

    @Test
    void aLeaseThatEndedIsNoticedAtTheNextWriteAndTheAgentReadAgain() throws Exception {
        String run = start(Graphs.single("a"));
        admin.getLeaseClient().revoke(lease("agent-1")).get(5, TimeUnit.SECONDS);
        assertThat(repo.listAgents()).isEmpty();
        // the replica still knows the old lease: the claim's write fails on it, the agent is read again, and it
        // has no lease any more
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> repo.claimNode(run, "a", "agent-1", Claim.of("c")))
                .isInstanceOf(io.adagio.repository.LeaseNotFoundException.class);
        assertThat(repo.inspectNode(run, "a").status()).isEqualTo(NodeStatus.READY);

        repo.registerAgent(new Agent("agent-1", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(30));
        ClaimOutcome won = repo.claimNode(run, "a", "agent-1", Claim.of("c-2"));
        assertThat(won.claimed()).isTrue();
        assertThat(only(new Keys(options.namespace(), options.list()).state(NodeStatus.RUNNING, run, "a")).getLease())
                .isEqualTo(lease("agent-1"));
    }

    @Test
    void aHeartbeatIsOneRenewalAndTheCallsOfProtocolV2RenewAtMostOncePerTenthOfTheTtl() throws Exception {
        assertThat(counted(() -> repo.heartbeat("agent-1"))).as("the agent known, its lease renewed once")
                .containsExactly("other");
        io.adagio.control.Agents agents = new io.adagio.control.Agents(repo, Duration.ofSeconds(30), clock);
        agents.heartbeat("agent-1");
        List<String> soon = counted(() -> {
            for (int i = 0; i < 20; i++) {
                agents.touch("agent-1");
            }
        });
        assertThat(soon).as("renewed just now: nine tenths of the TTL left").isEmpty();
        clock.advance(Duration.ofSeconds(3).plusMillis(1)); // a tenth of the 30 s TTL
        List<String> later = counted(() -> {
            for (int i = 0; i < 20; i++) {
                agents.touch("agent-1");
            }
        });
        assertThat(later).as("one renewal (after reading the agent again)").containsExactly("get", "other");
        admin.getLeaseClient().revoke(lease("agent-1")).get(5, TimeUnit.SECONDS);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> repo.heartbeat("agent-1"))
                .as("a heartbeat always asks etcd").isInstanceOf(io.adagio.repository.LeaseNotFoundException.class);
    }

    @Test
    void theFinishOfARunOfOneNodeTellsItsOutcomeWithNoReadOfTheRun() {
        String run = start(Graphs.single("a"));
        String c = repo.claimNode(run, "a", "agent-1", Claim.of("c-1")).claim().id();
        Finished[] f = new Finished[1];
        List<String> cost = counted(() -> f[0] = repo.finishNode(run, "a", c, Result.of(Conclusion.FAIL, "no"),
                Dispatch.NONE));
        assertThat(cost).as("the node claimed here: one transaction").containsExactly("txn");
        assertThat(f[0].runCompleted()).isTrue();
        assertThat(f[0].outcome()).isEqualTo(io.adagio.model.RunOutcome.FAILED);
    }

    @Test
    void theFinishThatCompletesARunTellsItsOutcomeFromItsOneTransactionWhicheverNodeItFinishes() throws Exception {
        String run = start(Graphs.fanOut(2, "debug"));
        String root = repo.claimNode(run, "root", "agent-1", Claim.of("c-r")).claim().id();
        repo.finishNode(run, "root", root, Result.of(Conclusion.SUCCESS, "r"), Dispatch.NONE);
        String c0 = repo.claimNode(run, "leaf-0", "agent-1", Claim.of("c-0")).claim().id();
        String c1 = repo.claimNode(run, "leaf-1", "agent-1", Claim.of("c-1")).claim().id();
        String verdicts = new Keys(options.namespace(), options.list()).verdictsOf(run);
        assertThat(count(verdicts)).as("no node failed yet").isZero();
        repo.finishNode(run, "leaf-0", c0, Result.of(Conclusion.FAIL, "no"), Dispatch.NONE);
        assertThat(count(verdicts)).as("its failed node's verdict key").isEqualTo(1);

        Finished[] f = new Finished[1];
        List<String> cost = counted(() -> f[0] = repo.finishNode(run, "leaf-1", c1, Result.of(Conclusion.SUCCESS, "x"),
                Dispatch.NONE));
        assertThat(cost).as("no read of the run for its outcome: one transaction").containsExactly("txn");
        assertThat(f[0].runCompleted()).isTrue();
        assertThat(f[0].outcome()).isEqualTo(io.adagio.model.RunOutcome.FAILED);

        repo.deleteRun(run);
        assertThat(count(verdicts)).as("its verdict keys went with the run").isZero();
    }

    /** How many keys {@code prefix} holds on this test's etcd. */
    private static long count(String prefix) throws Exception {
        return admin.getKVClient().get(Keys.bytes(prefix), io.etcd.jetcd.options.GetOption.builder().isPrefix(true)
                .withCountOnly(true).build()).get(5, TimeUnit.SECONDS).getCount();
    }

    @Test
    void theStatsAreOneReadOnlyTransaction() {
        start(Graphs.chain(3, "debug"));
        String single = start(Graphs.single("a"));
        repo.claimNode(single, "a", "agent-1", Claim.of("c-1"));
        io.adagio.model.Stats[] stats = new io.adagio.model.Stats[1];
        List<String> cost = counted(() -> stats[0] = repo.stats());
        assertThat(stats[0]).isEqualTo(new io.adagio.model.Stats(2, new io.adagio.model.Stats.NodeCounts(2, 1, 1, 0, 0)));
        assertThat(cost).as("every count at one revision, in one round trip").containsExactly("txn");
    }

    @Test
    void aPageOfAHundredRunsIsOneRangeAndFourReadOnlyTransactions() {
        for (int i = 0; i < 120; i++) {
            start(Graphs.chain(2, "debug"));
        }
        io.adagio.repository.RunPage[] page = new io.adagio.repository.RunPage[1];
        List<String> cost = counted(() -> page[0] = repo.findRuns(new io.adagio.repository.RunQuery(
                java.time.Instant.ofEpochMilli(Long.MAX_VALUE >> 16), java.time.Instant.EPOCH, 100)));
        assertThat(page[0].runs()).hasSize(100);
        assertThat(page[0].runs()).allSatisfy(r -> assertThat(r.nodes()).extracting(n -> n.status())
                .containsExactly(NodeStatus.READY, NodeStatus.WAITING));
        assertThat(cost).as("the run keys, then 25 runs' states and nodes per transaction")
                .containsExactly("get", "txn", "txn", "txn", "txn");
    }

    private KeyValue only(String key) throws Exception {
        List<KeyValue> kvs = admin.getKVClient().get(Keys.bytes(key)).get(5, TimeUnit.SECONDS).getKvs();
        assertThat(kvs).as(key).hasSize(1);
        return kvs.get(0);
    }

    private long lease(String agentId) throws Exception {
        KeyValue agent = only(new Keys(options.namespace(), options.list()).agent(agentId));
        return agent.getLease();
    }
}
