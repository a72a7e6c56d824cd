package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.Run;
import io.adagio.model.RunOutcome;
import io.adagio.model.RunStatus;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.StaleClaimException;
import io.adagio.support.MovableClock;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A cancel on etcd, as stored: its intent and the signal to a running node's holder live under prefixes of our
 * own (the signal on the holder's lease), the original's keys keep their shapes (cancelled nodes are COMPLETED
 * with a completed state key), and the cancel completes on another replica when the one that made it is gone
 * before its grace ends. A large run is cancelled in batches. A paused run's ready keys are withdrawn (so the
 * original's agents, which watch them, are offered nothing) and come back on resume.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdRunControlIT {

    @Test
    void aCancelWhoseReplicaIsGoneIsFencedOffByAnotherAndLeavesOnlyTheOriginalsKeys() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("cancel");
        String prefix = options.namespace() + "/" + options.list() + "/";
        MovableClock clock = new MovableClock();
        String id;
        String claimId;
        try (EtcdRepository b = EtcdRepositories.open(options, clock)) {
            try (EtcdRepository a = EtcdRepositories.open(options, Clock.systemUTC())) {
                a.registerAgent(new Agent("agent", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(60));
                id = a.startRun(new RunFactory(Clock.systemUTC()).create(Graphs.seven())).id();
                ClaimOutcome held = a.claimNode(id, "a", "agent", Claim.of("held"));
                claimId = held.claim().id();
                a.cancelRun(id, Duration.ofMinutes(10));

                List<KeyValue> signals = keys(prefix + "signals/");
                assertThat(signals).hasSize(1);
                assertThat(text(signals.get(0).getKey())).isEqualTo(prefix + "signals/" + id + "/node/a");
                assertThat(text(signals.get(0).getValue())).contains("\"agent_id\":\"agent\"");
                long agentLease = keys(prefix + "agents/agent").get(0).getLease();
                assertThat(signals.get(0).getLease()).as("on the holder's lease").isEqualTo(agentLease);
                assertThat(keys(prefix + "intents/" + id + "/cancel")).singleElement()
                        .satisfies(kv -> assertThat(text(kv.getValue())).contains("\"kind\":\"cancel\"", "\"fence_at\""));
                assertThat(SharedEtcd.count(prefix + "states/completed/run/" + id + "/")).as("all but a").isEqualTo(6);
                assertThat(SharedEtcd.count(prefix + "states/running/run/" + id + "/")).isEqualTo(1);
                assertThat(SharedEtcd.count(prefix + "states/ready/")).isZero();
                assertThat(SharedEtcd.count(prefix + "states/waiting/")).isZero();
            } // a is gone before the grace ends, and its timer with it

            assertThat(b.recoverPendingFinishes()).as("not yet due").isZero();
            assertThat(b.inspectNode(id, "a").status()).isEqualTo(NodeStatus.RUNNING);
            clock.advance(Duration.ofMinutes(10));
            assertThat(b.recoverPendingFinishes()).as("due: b fences it off").isEqualTo(1);
            Run run = b.inspectRun(id);
            assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(run.outcome()).isEqualTo(RunOutcome.CANCELLED);
            assertThat(run.node("a").attempts()).isEmpty();
            String held = claimId;
            String runId = id;
            assertThatThrownBy(() -> b.finishNode(runId, "a", held, Result.of(Conclusion.SUCCESS, "late")))
                    .isInstanceOf(StaleClaimException.class);
            assertThat(SharedEtcd.count(prefix + "signals/")).isZero();
            assertThat(SharedEtcd.count(prefix + "intents/")).isZero();
            assertThat(SharedEtcd.count(prefix + "states/completed/run/" + id + "/")).isEqualTo(7);
            assertThat(SharedEtcd.count(prefix + "states/running/")).isZero();
            assertThat(b.recoverPendingFinishes()).as("done once: nothing again").isZero();
        }
    }

    /** 300 nodes, some of them RUNNING on two agents: the cancel goes in batches, each holder told of its own. */
    @Test
    void aLargeRunIsCancelledInBatchesAndAFinishInTheGraceClearsItsSignal() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("cancel-large");
        String prefix = options.namespace() + "/" + options.list() + "/";
        try (EtcdRepository repo = EtcdRepositories.open(options, Clock.systemUTC())) {
            for (String agent : List.of("one", "two")) {
                repo.registerAgent(new Agent(agent, List.of(new AgentRuntime("debug"))), Duration.ofSeconds(60));
            }
            String id = repo.startRun(new RunFactory(Clock.systemUTC()).create(Graphs.fanOut(299, "debug"))).id();
            ClaimOutcome root = repo.claimNode(id, "root", "one", Claim.of("root"));
            repo.finishNode(id, "root", root.claim().id(), Result.of(Conclusion.SUCCESS, "out"));
            List<ClaimOutcome> ones = repo.claimReady("one", 5, () -> Claim.of("c-" + System.nanoTime()));
            List<ClaimOutcome> twos = repo.claimReady("two", 5, () -> Claim.of("d-" + System.nanoTime()));
            assertThat(ones).hasSize(5);
            assertThat(twos).hasSize(5);

            Run run = repo.cancelRun(id, Duration.ofMinutes(10));
            assertThat(run.nodes()).filteredOn(n -> n.status() == NodeStatus.COMPLETED && n.cancelled())
                    .as("every leaf not running").hasSize(289);
            assertThat(keys(prefix + "signals/" + id + "/")).hasSize(10).allSatisfy(kv -> {
                String name = text(kv.getKey()).substring((prefix + "signals/" + id + "/node/").length());
                String holder = ones.stream().anyMatch(c -> c.node().name().equals(name)) ? "one" : "two";
                assertThat(text(kv.getValue())).contains("\"agent_id\":\"" + holder + "\"");
            });
            ClaimOutcome first = ones.get(0);
            repo.finishNode(id, first.node().name(), first.claim().id(), Result.of(Conclusion.SUCCESS, "done"));
            assertThat(SharedEtcd.count(prefix + "signals/" + id + "/")).as("its holder stopped it").isEqualTo(9);
            assertThat(repo.cancelRun(id, Duration.ZERO).status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(SharedEtcd.count(prefix + "signals/")).isZero();
            assertThat(SharedEtcd.count(prefix + "states/completed/run/" + id + "/")).isEqualTo(300);
            repo.deleteRun(id);
            assertThat(SharedEtcd.count(prefix)).as("only the agents are left")
                    .isEqualTo(2);
        }
    }

    @Test
    void aPausedRunHasNoReadyKeysUntilItIsResumed() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("pause");
        String prefix = options.namespace() + "/" + options.list() + "/";
        try (EtcdRepository repo = EtcdRepositories.open(options, Clock.systemUTC())) {
            repo.registerAgent(new Agent("agent", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(60));
            String id = repo.startRun(new RunFactory(Clock.systemUTC()).create(Graphs.fanOut(40, "debug"))).id();
            ClaimOutcome root = repo.claimNode(id, "root", "agent", Claim.of("root"));
            repo.finishNode(id, "root", root.claim().id(), Result.of(Conclusion.SUCCESS, "out"));
            ClaimOutcome running = repo.claimNode(id, "leaf-0", "agent", Claim.of("leaf-0"));
            assertThat(SharedEtcd.count(prefix + "states/ready/")).isEqualTo(39);

            assertThat(repo.pauseRun(id).paused()).isTrue();
            assertThat(SharedEtcd.count(prefix + "states/ready/")).as("withdrawn").isZero();
            assertThat(SharedEtcd.count(prefix + "states/waiting/run/" + id + "/")).isEqualTo(39);
            assertThat(SharedEtcd.count(prefix + "states/running/run/" + id + "/")).as("runs on").isEqualTo(1);
            assertThat(keys(prefix + "nodes/" + id + "/node/leaf-39")).singleElement()
                    .satisfies(kv -> assertThat(text(kv.getValue())).contains("\"paused\":true", "\"status\":1"));
            repo.finishNode(id, "leaf-0", running.claim().id(), Result.of(Conclusion.SUCCESS, "done"));

            assertThat(repo.resumeRun(id).paused()).isFalse();
            assertThat(SharedEtcd.count(prefix + "states/ready/")).isEqualTo(39);
            assertThat(SharedEtcd.count(prefix + "states/completed/run/" + id + "/")).isEqualTo(2);
            assertThat(keys(prefix + "nodes/" + id + "/node/leaf-39")).singleElement()
                    .satisfies(kv -> assertThat(text(kv.getValue())).doesNotContain("paused"));
        }
    }

    /**
     * Two replicas fire the same timeout at once, twenty times over: each node gets one timed-out attempt; the
     * timer keys go with what they were for; a backoff is a timer key until it is over.
     */
    @Test
    void twoReplicasFiringTheSameTimersChangeNothingTwice() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("timers");
        String prefix = options.namespace() + "/" + options.list() + "/";
        MovableClock clock = new MovableClock();
        io.adagio.model.NodeSpec slow = new io.adagio.model.NodeSpec("slow", "debug", java.util.Map.of(),
                java.util.Map.of("error", new io.adagio.model.RetryRule(2,
                        new io.adagio.model.RetryRule.Backoff("1m", null, null, null))), null, "10s");
        io.adagio.model.GraphSpec graph = new io.adagio.model.GraphSpec(List.of(slow), List.of());
        try (EtcdRepository a = EtcdRepositories.open(options, clock);
             EtcdRepository b = EtcdRepositories.open(options, clock)) {
            a.registerAgent(new Agent("agent", List.of(new AgentRuntime("debug"))), Duration.ofHours(1));
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                for (int i = 0; i < 20; i++) {
                    String id = a.startRun(new RunFactory(clock).create(graph)).id();
                    a.claimNode(id, "slow", "agent", Claim.of("c" + i));
                    assertThat(SharedEtcd.count(prefix + "timers/")).as("its deadline").isEqualTo(1);
                    clock.advance(Duration.ofSeconds(10));
                    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                    var fa = pool.submit(() -> { go.await(); return a.fireDueTimers(); });
                    var fb = pool.submit(() -> { go.await(); return b.fireDueTimers(); });
                    go.countDown();
                    fa.get(30, TimeUnit.SECONDS);
                    fb.get(30, TimeUnit.SECONDS);
                    io.adagio.model.Node n = a.inspectNode(id, "slow");
                    assertThat(n.attempts()).as("run %d: timed out once", i).hasSize(1);
                    assertThat(n.status()).isEqualTo(NodeStatus.WAITING);
                    assertThat(n.readyAt()).isBetween(clock.instant().plusSeconds(55), clock.instant().plusSeconds(60));
                    assertThat(SharedEtcd.count(prefix + "timers/")).as("its backoff, not its deadline").isEqualTo(1);
                    a.cancelRun(id, Duration.ZERO);
                    assertThat(SharedEtcd.count(prefix + "timers/")).as("its timer went with its cancel").isZero();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * A retry of a cancelled run while a replica still holds its cancel's intent as it was (it listed it before the
     * retry forgot it): that replica's fence changes nothing the retry brought back.
     */
    @Test
    void aFenceOfACancelARetryForgotChangesNothing() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("cancel-retry");
        String prefix = options.namespace() + "/" + options.list() + "/";
        try (EtcdRepository repo = EtcdRepositories.open(options, Clock.systemUTC())) {
            repo.registerAgent(new Agent("agent", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(60));
            String id = repo.startRun(new RunFactory(Clock.systemUTC()).create(Graphs.chain(3, "debug"))).id();
            ClaimOutcome n0 = repo.claimNode(id, "n0", "agent", Claim.of("n0"));
            repo.cancelRun(id, Duration.ofMinutes(10));
            long intent = keys(prefix + "intents/" + id + "/cancel").get(0).getModRevision();
            repo.finishNode(id, "n0", n0.claim().id(), Result.of(Conclusion.SUCCESS, "n0"));
            assertThat(repo.retryRun(id, null).node("n1").status()).isEqualTo(NodeStatus.READY);
            assertThat(SharedEtcd.count(prefix + "intents/")).as("forgotten").isZero();

            repo.fenceCancel(id, intent);
            Run after = repo.inspectRun(id);
            assertThat(after.node("n1").status()).as("not cancelled again").isEqualTo(NodeStatus.READY);
            assertThat(after.nodes()).noneMatch(io.adagio.model.Node::cancelled);
            assertThat(after.outcome()).isNull();
        }
    }

    /**
     * The root fails for good with 40 nodes downstream (a skip passed on in batches) and is retried between two of
     * those batches: the skip stops there, and nothing the retry brought back is skipped after it.
     */
    @Test
    void aSkipStillBeingPassedOnStopsWhenItsNodeIsRetried() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("skip-retry");
        String prefix = options.namespace() + "/" + options.list() + "/";
        try (EtcdRepository repo = EtcdRepositories.open(options, Clock.systemUTC())) {
            repo.registerAgent(new Agent("agent", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(60));
            String id = repo.startRun(new RunFactory(Clock.systemUTC()).create(Graphs.fanOut(40, "debug"))).id();
            ClaimOutcome root = repo.claimNode(id, "root", "agent", Claim.of("root"));
            java.util.concurrent.atomic.AtomicReference<Run> retried = new java.util.concurrent.atomic.AtomicReference<>();
            repo.afterPropagationBatch(n -> {
                if (n == 1) {
                    retried.set(repo.retryRun(id, List.of("root"))); // between the skip's first and second batch
                }
            });
            repo.finishNode(id, "root", root.claim().id(), Result.of(Conclusion.FAIL, "no"));
            repo.afterPropagationBatch(n -> { });
            assertThat(retried.get().node("root").status()).isEqualTo(NodeStatus.READY);
            Run after = repo.inspectRun(id);
            assertThat(after.nodes()).filteredOn(n -> !n.name().equals("root"))
                    .allSatisfy(n -> assertThat(n.status()).as(n.name()).isEqualTo(NodeStatus.WAITING));
            assertThat(after.nodes()).noneMatch(io.adagio.model.Node::skipped);
            assertThat(SharedEtcd.count(prefix + "intents/")).as("its intent went with the retry").isZero();
            ClaimOutcome again = repo.claimNode(id, "root", "agent", Claim.of("root-2"));
            repo.finishNode(id, "root", again.claim().id(), Result.of(Conclusion.SUCCESS, "yes"));
            assertThat(SharedEtcd.count(prefix + "states/ready/run/" + id + "/")).isEqualTo(40);
        }
    }

    /** A node orphaned and claimed again: its first deadline's key is not its timer any more and goes when due. */
    @Test
    void aTimerKeyOfAnEarlierClaimGoesWithoutTimingTheNewClaimOut() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("stale-timer");
        String prefix = options.namespace() + "/" + options.list() + "/";
        MovableClock clock = new MovableClock();
        io.adagio.model.NodeSpec slow = new io.adagio.model.NodeSpec("slow", "debug", java.util.Map.of(),
                java.util.Map.of(), null, "1m");
        try (EtcdRepository repo = EtcdRepositories.open(options, clock)) {
            repo.registerAgent(new Agent("first", List.of(new AgentRuntime("debug"))), Duration.ofHours(1));
            repo.registerAgent(new Agent("second", List.of(new AgentRuntime("debug"))), Duration.ofHours(1));
            String id = repo.startRun(new RunFactory(clock).create(new io.adagio.model.GraphSpec(List.of(slow),
                    List.of()))).id();
            repo.claimNode(id, "slow", "first", Claim.of("one"));
            repo.unregisterAgent("first");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> repo.inspectNode(id, "slow").status() == NodeStatus.NONE);
            clock.advance(Duration.ofSeconds(30));
            repo.claimNode(id, "slow", "second", Claim.of("two"));
            assertThat(SharedEtcd.count(prefix + "timers/")).as("the old deadline's key and the new").isEqualTo(2);
            clock.advance(Duration.ofSeconds(31)); // past the first deadline, not the second
            repo.fireDueTimers();
            assertThat(repo.inspectNode(id, "slow").status()).as("the new claim runs on").isEqualTo(NodeStatus.RUNNING);
            assertThat(SharedEtcd.count(prefix + "timers/")).as("only the new deadline's").isEqualTo(1);
            clock.advance(Duration.ofSeconds(30));
            repo.fireDueTimers();
            assertThat(repo.inspectNode(id, "slow").lastAttempt().conclusion()).isEqualTo(Conclusion.ERROR);
        }
    }

    /** A start stopped before releasing all its roots, then paused: the release leaves the paused roots waiting. */
    @Test
    void aPausedRunsRootsAreNotReleasedByAStartsRecovery() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("pause-start");
        String prefix = options.namespace() + "/" + options.list() + "/";
        List<io.adagio.model.NodeSpec> roots = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            roots.add(io.adagio.model.NodeSpec.of("r" + i, "debug"));
        }
        Run run = new RunFactory(Clock.systemUTC()).create(new io.adagio.model.GraphSpec(roots, List.of()));
        try (EtcdRepository repo = EtcdRepositories.open(options, Clock.systemUTC())) {
            repo.beforeRootRelease(n -> {
                throw new IllegalStateException("stopped before batch " + n);
            });
            assertThatThrownBy(() -> repo.startRun(run)).hasMessageContaining("stopped");
            repo.beforeRootRelease(n -> { });
            repo.pauseRun(run.id());
            assertThat(SharedEtcd.count(prefix + "states/ready/")).isZero();
            repo.intentGrace(Duration.ZERO);
            repo.recoverPendingFinishes();
            assertThat(SharedEtcd.count(prefix + "states/ready/")).as("paused: none released").isZero();
            assertThat(SharedEtcd.count(prefix + "intents/")).isZero();
            repo.resumeRun(run.id());
            assertThat(SharedEtcd.count(prefix + "states/ready/run/" + run.id() + "/")).isEqualTo(200);
            assertThat(SharedEtcd.count(prefix + "states/")).as("one state key per node").isEqualTo(200);
        }
    }

    private static List<KeyValue> keys(String prefix) throws Exception {
        ByteSequence p = ByteSequence.from(prefix, StandardCharsets.UTF_8);
        return SharedEtcd.admin().getKVClient().get(p, GetOption.builder().isPrefix(true).build())
                .get(5, TimeUnit.SECONDS).getKvs();
    }

    private static String text(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }
}
