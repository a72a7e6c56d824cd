package io.adagio.agent;

import io.adagio.Graphs;
import io.adagio.control.ReadyClaims;
import io.adagio.engine.RunFactory;
import io.adagio.model.Conclusion;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.GraphSpec;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.repository.Repository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The agent pool's port, as an agent sees it: every adapter ({@code HttpControlPlaneTest} over the public API,
 * {@code LocalControlPlaneTest} in process) answers alike: leases, single claims and finishes (v1, with
 * {@code next}), the batch claims and finishes of protocol v2, and the event stream. One service (mode
 * {@code api}, memory backend, no built-in pool) serves both; runs are started through its repository. Batch
 * tests give their nodes a runtime of their own, so they never take another test's nodes.
 */
@Timeout(60)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "adagio.mode=api", "adagio.leases.ttl=5s"})
abstract class ControlPlaneContract {
    @Autowired
    Repository repository;
    @Autowired
    RunFactory runs;
    @Autowired
    ReadyClaims readyClaims;

    private ControlPlane port;
    private final List<Thread> followers = new ArrayList<>();

    /** A fresh connection of the adapter under test. */
    protected abstract ControlPlane connect();

    @BeforeEach
    void open() {
        port = connect();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (Thread t : followers) {
            t.interrupt();
        }
        port.close();
        for (Thread t : followers) {
            t.join(5000);
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private String start(GraphSpec graph) {
        return repository.startRun(runs.create(graph)).id();
    }

    /** Nodes of {@code runtime}, named by {@code names}, with edges written "a>b". */
    private static GraphSpec graph(String runtime, List<String> names, String... edges) {
        return new GraphSpec(names.stream().map(n -> NodeSpec.of(n, runtime)).toList(), Graphs.edges(edges));
    }

    private static List<String> names(List<ControlPlane.ClaimReply.Claimed> claims) {
        return claims.stream().map(c -> c.node().name()).toList();
    }

    @Test
    void aBatchClaimTakesSeveralReadyNodesEachForOneAgent() throws Exception {
        String runtime = unique("batch");
        String agent = unique("batcher");
        String other = unique("other");
        port.register(agent, List.of(runtime));
        port.register(other, List.of(runtime));
        String run = start(graph(runtime, List.of("a", "b", "c", "d", "e")));

        List<ControlPlane.ClaimReply.Claimed> first = port.claimBatch(agent, 3, Duration.ZERO, null);
        assertThat(first).hasSize(3).allSatisfy(c -> {
            assertThat(c.runId()).isEqualTo(run);
            assertThat(c.node().status()).isEqualTo(NodeStatus.RUNNING);
            assertThat(c.claim().id()).isNotBlank();
        });
        assertThat(first).extracting(c -> c.claim().id()).doesNotHaveDuplicates();
        List<ControlPlane.ClaimReply.Claimed> rest = port.claimBatch(other, 5, Duration.ZERO, null);
        assertThat(rest).as("what is left, not what the first agent holds").hasSize(2);
        assertThat(Set.copyOf(names(first))).doesNotContainAnyElementsOf(names(rest));
        assertThat(port.claimBatch(agent, 5, Duration.ZERO, null)).as("nothing more is ready").isEmpty();
        for (ControlPlane.ClaimReply.Claimed c : first) {
            assertThat(port.claim(run, c.node().name(), other, unique("req")))
                    .isInstanceOf(ControlPlane.ClaimReply.NotClaimed.class);
            assertThat(port.finish(run, c.node().name(), agent, c.claim().id(), Result.of(Conclusion.SUCCESS, "x"), 0)
                    .accepted()).as("the claim holds the node for the agent").isTrue();
        }
    }

    @Test
    void aLongPollWithNothingReadyAnswersNothingOnceItsWaitIsOver() throws Exception {
        String agent = unique("patient");
        port.register(agent, List.of(unique("idle")));
        long t0 = System.nanoTime();
        assertThat(port.claimBatch(agent, 2, Duration.ofMillis(400), null)).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(350));
    }

    @Test
    void aLongPollIsAnsweredWhenANodeBecomesReady() throws Exception {
        String runtime = unique("poll");
        String agent = unique("poller");
        port.register(agent, List.of(runtime));
        int waitingBefore = readyClaims.waiting();
        CompletableFuture<List<ControlPlane.ClaimReply.Claimed>> answer = new CompletableFuture<>();
        Thread poller = new Thread(() -> {
            try {
                answer.complete(port.claimBatch(agent, 2, Duration.ofMillis(1600), null));
            } catch (Exception e) {
                answer.completeExceptionally(e);
            }
        }, "poll-" + agent);
        poller.start();
        followers.add(poller);
        await().atMost(Duration.ofSeconds(5)).until(() -> readyClaims.waiting() > waitingBefore);
        String run = start(graph(runtime, List.of("late")));
        assertThat(answer.get(10, TimeUnit.SECONDS)).as("answered with the node, not at the end of the wait")
                .singleElement().satisfies(c -> {
                    assertThat(c.runId()).isEqualTo(run);
                    assertThat(c.node().name()).isEqualTo("late");
                    assertThat(c.node().status()).isEqualTo(NodeStatus.RUNNING);
                });
    }

    @Test
    void theClaimsOfABatchClaimAreFoundByItsRequestIdWhileTheAgentHoldsThem() throws Exception {
        String runtime = unique("again");
        String agent = unique("forgetful");
        String other = unique("other");
        port.register(agent, List.of(runtime));
        port.register(other, List.of(runtime));
        String run = start(graph(runtime, List.of("a", "b", "c", "d")));
        List<ControlPlane.ClaimReply.Claimed> first = port.claimBatch(agent, 2, Duration.ZERO, "req-1");
        assertThat(first).hasSize(2);

        assertThat(port.claimedFor(agent, "req-1")).as("what the lost answer held")
                .extracting(c -> c.claim().id()).containsExactlyInAnyOrderElementsOf(
                        first.stream().map(c -> c.claim().id()).toList());
        assertThat(port.claimedFor(agent, "req-2")).as("another request made nothing").isEmpty();
        assertThat(port.claimedFor(other, "req-1")).as("another agent holds nothing of it").isEmpty();
        assertThat(port.finish(run, first.get(0).node().name(), agent, first.get(0).claim().id(),
                Result.of(Conclusion.SUCCESS, "x"), 0).accepted()).isTrue();
        assertThat(port.claimedFor(agent, "req-1")).as("only what it still holds")
                .extracting(c -> c.claim().id()).containsExactly(first.get(1).claim().id());
        assertThat(repository.inspectRun(run).nodes()).filteredOn(n -> n.status() == NodeStatus.READY).hasSize(2);
        port.unregister(agent);
        assertThatThrownBy(() -> port.claimedFor(agent, "req-1")).isInstanceOf(ControlPlane.NotRegistered.class);
    }

    @Test
    void aRetriedNodeClaimedAgainByItsOwnBatchIsAnsweredAgainWhenTheBatchIsResent() throws Exception {
        String runtime = unique("retry");
        String agent = unique("retrier");
        port.register(agent, List.of(runtime));
        String run = start(new GraphSpec(List.of(new NodeSpec("x", runtime, java.util.Map.of(),
                java.util.Map.of("fail", new io.adagio.model.RetryRule(2)))), List.of()));
        ControlPlane.ClaimReply.Claimed x = port.claimBatch(agent, 1, Duration.ZERO, null).get(0);
        List<ControlPlane.Finishing> batch = List.of(
                new ControlPlane.Finishing(run, "x", x.claim().id(), Result.of(Conclusion.FAIL, "once")));
        ControlPlane.Finishes f = port.finishBatch(agent, batch, 1);
        assertThat(f.next()).as("x is READY again for its retry, and claimed again for the agent").singleElement()
                .satisfies(c -> assertThat(c.node().name()).isEqualTo("x"));

        ControlPlane.Finishes again = port.finishBatch(agent, batch, 1);
        assertThat(again.outcomes()).as("the first claim no longer holds x").containsExactly(ControlPlane.Outcome.STALE);
        assertThat(again.next()).as("but the claim that answer carried is answered again, not left held by nobody")
                .extracting(c -> c.claim().id()).containsExactly(f.next().get(0).claim().id());
    }

    @Test
    void aBatchFinishSentAgainAnswersTheSameClaimsOfOtherReadyNodes() throws Exception {
        String runtime = unique("refill");
        String agent = unique("refiller");
        port.register(agent, List.of(runtime));
        String run = start(graph(runtime, List.of("a")));
        ControlPlane.ClaimReply.Claimed a = port.claimBatch(agent, 1, Duration.ZERO, null).get(0);
        String more = start(graph(runtime, List.of("x", "y", "z")));
        List<ControlPlane.Finishing> batch = List.of(
                new ControlPlane.Finishing(run, "a", a.claim().id(), Result.of(Conclusion.SUCCESS, "a")));
        ControlPlane.Finishes f = port.finishBatch(agent, batch, 2);
        assertThat(f.next()).as("two other READY nodes, claimed for the agent").hasSize(2)
                .allSatisfy(c -> assertThat(c.runId()).isEqualTo(more));

        ControlPlane.Finishes again = port.finishBatch(agent, batch, 2);
        assertThat(again.next()).as("the same batch again (its answer was lost): the same claims, no new ones")
                .extracting(c -> c.claim().id())
                .containsExactlyInAnyOrderElementsOf(f.next().stream().map(c -> c.claim().id()).toList());
        assertThat(repository.inspectRun(more).nodes()).filteredOn(n -> n.status() == NodeStatus.READY).hasSize(1);
    }

    @Test
    void aBatchFinishAnswersEachFinishOnItsOwnAndCarriesTheNextClaims() throws Exception {
        String runtime = unique("many");
        String agent = unique("finisher");
        String other = unique("other");
        port.register(agent, List.of(runtime));
        port.register(other, List.of(runtime));
        String run = start(graph(runtime, List.of("a", "b", "c", "d"), "a>b"));
        List<ControlPlane.ClaimReply.Claimed> held = port.claimBatch(agent, 3, Duration.ZERO, null);
        assertThat(names(held)).containsExactlyInAnyOrder("a", "c", "d");
        java.util.Map<String, String> claimOf = new java.util.HashMap<>();
        held.forEach(c -> claimOf.put(c.node().name(), c.claim().id()));

        Result ok = Result.of(Conclusion.SUCCESS, "ok");
        List<ControlPlane.Finishing> batch = List.of(
                new ControlPlane.Finishing(run, "a", claimOf.get("a"), ok),
                new ControlPlane.Finishing(run, "c", "not-the-claim", ok),
                new ControlPlane.Finishing(run, "nope", "some-claim", ok),
                new ControlPlane.Finishing(run, "d", claimOf.get("d"), ok));
        ControlPlane.Finishes f = port.finishBatch(agent, batch, 2);
        assertThat(f.outcomes()).containsExactly(ControlPlane.Outcome.FINISHED, ControlPlane.Outcome.STALE,
                ControlPlane.Outcome.NOT_FOUND, ControlPlane.Outcome.FINISHED);
        assertThat(f.next()).as("the child a made READY, claimed for the agent").singleElement().satisfies(c -> {
            assertThat(c.runId()).isEqualTo(run);
            assertThat(c.node().name()).isEqualTo("b");
            assertThat(c.node().status()).isEqualTo(NodeStatus.RUNNING);
        });
        assertThat(port.claim(run, "b", other, unique("req"))).isInstanceOf(ControlPlane.ClaimReply.NotClaimed.class);
        assertThat(repository.inspectNode(run, "c").status()).as("a stale finish changes nothing").isEqualTo(NodeStatus.RUNNING);

        ControlPlane.Finishes again = port.finishBatch(agent, batch, 2);
        assertThat(again.outcomes()).as("the same batch again").isEqualTo(f.outcomes());
        assertThat(again.next()).as("answers the same claim").singleElement()
                .satisfies(c -> assertThat(c.claim().id()).isEqualTo(f.next().get(0).claim().id()));
        assertThat(repository.inspectNode(run, "a").attempts()).as("recorded once").containsExactly(ok);

        ControlPlane.Finishes last = port.finishBatch(agent, List.of(
                new ControlPlane.Finishing(run, "b", f.next().get(0).claim().id(), ok),
                new ControlPlane.Finishing(run, "c", claimOf.get("c"), ok)), 1);
        assertThat(last.outcomes()).containsOnly(ControlPlane.Outcome.FINISHED);
        assertThat(last.next()).isEmpty();
        assertThat(repository.isRunCompleted(run)).isTrue();
    }

    @Test
    void aBatchFinishInACancelledRunNamesTheOtherClaimsTheAgentMustStop() throws Exception {
        String runtime = unique("stopping");
        String agent = unique("holder");
        port.register(agent, List.of(runtime));
        String run = start(graph(runtime, List.of("a", "b")));
        List<ControlPlane.ClaimReply.Claimed> held = port.claimBatch(agent, 2, Duration.ZERO, null);
        assertThat(names(held)).containsExactlyInAnyOrder("a", "b");
        ControlPlane.ClaimReply.Claimed a = held.stream().filter(c -> c.node().name().equals("a")).findFirst().orElseThrow();
        ControlPlane.ClaimReply.Claimed b = held.stream().filter(c -> c.node().name().equals("b")).findFirst().orElseThrow();
        repository.cancelRun(run, Duration.ofMinutes(5));

        ControlPlane.Finishes f = port.finishBatch(agent, List.of(
                new ControlPlane.Finishing(run, "a", a.claim().id(), Result.of(Conclusion.SUCCESS, "ok"))), 1);
        assertThat(f.outcomes()).hasSize(1);
        assertThat(f.next()).as("nothing of a cancelled run is handed out").isEmpty();
        assertThat(f.cancelled()).as("b's claim, to stop; not a's, finished in this batch")
                .containsExactly(new ControlPlane.Cancelled(run, "b", b.claim().id()));
    }

    @Test
    void aBatchRefusedWholeSaysSoAndFinishesNothing() throws Exception {
        String runtime = unique("refused");
        String agent = unique("sloppy");
        port.register(agent, List.of(runtime));
        String run = start(graph(runtime, List.of("a")));
        ControlPlane.ClaimReply.Claimed a = port.claimBatch(agent, 1, Duration.ZERO, null).get(0);
        Result ok = Result.of(Conclusion.SUCCESS, "ok");
        assertThatThrownBy(() -> port.finishBatch(agent, List.of(new ControlPlane.Finishing(run, "a", a.claim().id(), ok),
                new ControlPlane.Finishing(run, "a", "", ok)), 0))
                .as("a finish without a claim").isInstanceOfSatisfying(ControlPlane.Refused.class,
                        r -> assertThat(r.type()).endsWith("invalid-request"));
        assertThatThrownBy(() -> port.finishBatch(agent, List.of(), 0)).as("no finishes")
                .isInstanceOf(ControlPlane.Refused.class);
        Result huge = new Result(Conclusion.SUCCESS, java.util.Map.of(), new byte[1024 * 1024 + 1]);
        assertThatThrownBy(() -> port.finishBatch(agent, List.of(new ControlPlane.Finishing(run, "a", a.claim().id(), huge)), 0))
                .as("an output over adagio.limits.max-output-size").isInstanceOfSatisfying(ControlPlane.Refused.class,
                        r -> assertThat(r.type()).endsWith("payload-too-large"));
        assertThat(port.finish(run, "a", agent, a.claim().id(), huge, 0).accepted()).as("alone, too").isFalse();
        assertThat(repository.inspectNode(run, "a").status()).as("nothing was finished").isEqualTo(NodeStatus.RUNNING);
    }

    @Test
    void batchCallsWithoutALeaseSayTheAgentIsNotRegistered() {
        String agent = unique("stranger");
        assertThatThrownBy(() -> port.claimBatch(agent, 1, Duration.ZERO, null)).isInstanceOf(ControlPlane.NotRegistered.class);
        assertThatThrownBy(() -> port.finishBatch(agent, List.of(new ControlPlane.Finishing(
                "01JNOSUCHRUN0000000000000A", "n0", "c", Result.of(Conclusion.SUCCESS, "x"))), 0))
                .isInstanceOf(ControlPlane.NotRegistered.class);
    }

    @Test
    void aLeaseLivesFromRegistrationUntilUnregistered() throws Exception {
        String agent = unique("lease");
        assertThat(port.heartbeat(agent)).as("not registered yet").isFalse();
        assertThat(port.register(agent, List.of("debug"))).isEqualTo(5);
        assertThat(port.heartbeat(agent)).isTrue();
        port.unregister(agent);
        assertThat(port.heartbeat(agent)).isFalse();
    }

    @Test
    void exactlyOneAgentClaimsANodeAndItsFinishCountsOnce() throws Exception {
        String one = unique("one");
        String two = unique("two");
        port.register(one, List.of("debug"));
        port.register(two, List.of("debug"));
        String run = start(Graphs.single("a"));

        ControlPlane.ClaimReply first = port.claim(run, "a", one, unique("req"));
        assertThat(first).isInstanceOf(ControlPlane.ClaimReply.Claimed.class);
        ControlPlane.ClaimReply.Claimed claimed = (ControlPlane.ClaimReply.Claimed) first;
        assertThat(claimed.node().status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(claimed.claim().id()).isNotBlank();
        assertThat(port.claim(run, "a", two, unique("req"))).isInstanceOf(ControlPlane.ClaimReply.NotClaimed.class);

        Result ok = Result.of(Conclusion.SUCCESS, "done");
        assertThat(port.finish(run, "a", one, "not-the-claim", ok, 0).accepted()).as("a stale claim").isFalse();
        assertThat(port.finish(run, "a", two, claimed.claim().id(), ok, 0).accepted()).as("not the holder").isFalse();
        assertThat(repository.inspectNode(run, "a").status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(port.finish(run, "a", one, claimed.claim().id(), ok, 0).accepted()).isTrue();
        assertThat(port.finish(run, "a", one, claimed.claim().id(), ok, 0).accepted()).as("repeated, identical").isTrue();
        assertThat(repository.inspectNode(run, "a").status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(repository.inspectNode(run, "a").attempts()).containsExactly(ok);
        assertThat(port.claim(run, "a", two, unique("req"))).isInstanceOf(ControlPlane.ClaimReply.NotClaimed.class);
    }

    @Test
    void aClaimRetriedWithItsRequestIdAnswersTheSameClaim() throws Exception {
        String agent = unique("retrier");
        port.register(agent, List.of("debug"));
        String run = start(Graphs.single("a"));
        ControlPlane.ClaimReply first = port.claim(run, "a", agent, "request-1");
        ControlPlane.ClaimReply again = port.claim(run, "a", agent, "request-1");
        assertThat(first).isInstanceOf(ControlPlane.ClaimReply.Claimed.class);
        assertThat(again).isInstanceOfSatisfying(ControlPlane.ClaimReply.Claimed.class, c -> assertThat(c.claim().id())
                .isEqualTo(((ControlPlane.ClaimReply.Claimed) first).claim().id()));
        assertThat(port.claim(run, "a", agent, "request-2")).isInstanceOf(ControlPlane.ClaimReply.NotClaimed.class);
    }

    @Test
    void claimsThatCannotBeHadAreRefusedWithTheirReason() throws Exception {
        String agent = unique("refused");
        String run = start(Graphs.chain(2, "debug"));
        assertThat(port.claim(run, "n0", agent, unique("req"))).as("no lease").isInstanceOf(ControlPlane.ClaimReply.NotRegistered.class);
        port.register(agent, List.of("debug"));
        assertThat(port.claim(run, "n1", agent, unique("req"))).isInstanceOfSatisfying(ControlPlane.ClaimReply.Refused.class,
                r -> assertThat(r.type()).endsWith("node-not-ready"));
        assertThat(port.claim(run, "nope", agent, unique("req"))).isInstanceOfSatisfying(ControlPlane.ClaimReply.Refused.class,
                r -> assertThat(r.type()).endsWith("node-not-found"));
        assertThat(port.claim("01JNOSUCHRUN0000000000000A", "n0", agent, unique("req")))
                .isInstanceOfSatisfying(ControlPlane.ClaimReply.Refused.class, r -> assertThat(r.type()).endsWith("run-not-found"));
        assertThat(port.finish("01JNOSUCHRUN0000000000000A", "n0", agent, "c", Result.of(Conclusion.SUCCESS, "x"), 0)
                .accepted()).isFalse();
    }

    @Test
    void aFinishThatAsksForTheNextNodeGetsItClaimedForTheAgent() throws Exception {
        String agent = unique("chained");
        String other = unique("other");
        port.register(agent, List.of("debug"));
        port.register(other, List.of("debug"));
        String run = start(Graphs.chain(2, "debug"));
        ControlPlane.ClaimReply.Claimed first = (ControlPlane.ClaimReply.Claimed) port.claim(run, "n0", agent, unique("req"));
        ControlPlane.Finish f = port.finish(run, "n0", agent, first.claim().id(), Result.of(Conclusion.SUCCESS, "0"), 1);
        assertThat(f.accepted()).isTrue();
        assertThat(f.next()).singleElement().satisfies(c -> {
            assertThat(c.node().name()).isEqualTo("n1");
            assertThat(c.node().status()).isEqualTo(NodeStatus.RUNNING);
        });
        assertThat(port.claim(run, "n1", other, unique("req"))).isInstanceOf(ControlPlane.ClaimReply.NotClaimed.class);
        ControlPlane.Finish last = port.finish(run, "n1", agent, f.next().get(0).claim().id(),
                Result.of(Conclusion.SUCCESS, "1"), 1);
        assertThat(last.accepted()).isTrue();
        assertThat(last.next()).isEmpty();
        assertThat(repository.inspectRun(run).nodes()).allSatisfy(n -> assertThat(n.attempts()).hasSize(1));
    }

    @Test
    void followingGivesTheCurrentSetThenLiveEventsAndResumesAfterAPosition() throws Exception {
        String agent = unique("follower");
        String before = start(Graphs.single("early"));
        Recording first = follow(agent, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> first.has(before, "early"));
        String during = start(Graphs.single("live"));
        await().atMost(Duration.ofSeconds(10)).until(() -> first.has(during, "live"));
        String position = first.position.get();
        assertThat(position).isNotNull();
        stop(first);
        port = connect();

        String after = start(Graphs.single("later"));
        Recording resumed = follow(agent, position);
        await().atMost(Duration.ofSeconds(10)).until(() -> resumed.has(after, "later"));
        // of this test's runs (the repository may be shared: another test's run can be offered again meanwhile,
        // e.g. by its retry's timer, after the position too)
        assertThat(resumed.events).extracting(Event::runId).filteredOn(Set.of(before, during, after)::contains)
                .as("only what came after the position").containsExactly(after);
        assertThat(resumed.resets).isZero();
    }

    @Test
    void followingEndsWhenTheAgentUnregisters() throws Exception {
        String agent = unique("leaving");
        Recording r = follow(agent, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.position.get() != null);
        port.unregister(agent);
        assertThat(r.ended.get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void followingOffersOnlyTheAgentsRuntimes() throws Exception {
        String agent = unique("picky");
        Recording r = follow(agent, null, "exec");
        String debugRun = start(Graphs.single("d"));
        String execRun = start(Graphs.fanOut(0, "exec"));
        await().atMost(Duration.ofSeconds(10)).until(() -> r.has(execRun, "root"));
        assertThat(r.events).extracting(Event::runId).doesNotContain(debugRun);
        assertThat(r.events).extracting(Event::type).containsOnly(EventType.NODE_READY);
    }

    private Recording follow(String agent, String from, String... runtimes) {
        Recording r = new Recording();
        List<String> offered = runtimes.length == 0 ? List.of("debug") : List.of(runtimes);
        Thread t = new Thread(() -> {
            try {
                port.follow(agent, offered, from, r);
                r.ended.complete(null);
            } catch (Exception e) {
                r.ended.completeExceptionally(e);
            }
        }, "follow-" + agent);
        t.setDaemon(true);
        r.thread = t;
        followers.add(t);
        t.start();
        return r;
    }

    /** Stops a follow as the pool does: interrupts its thread and closes the port. */
    private void stop(Recording r) throws InterruptedException {
        r.thread.interrupt();
        port.close();
        r.thread.join(5000);
        assertThat(r.thread.isAlive()).as("a stopped follow returns").isFalse();
    }

    private static final class Recording implements ControlPlane.Listener {
        final List<Event> events = Collections.synchronizedList(new ArrayList<>());
        final AtomicReference<String> position = new AtomicReference<>();
        final CompletableFuture<Void> ended = new CompletableFuture<>();
        volatile int resets;
        Thread thread;

        @Override
        public void onEvent(Event event, String at) {
            events.add(event);
            if (at != null) {
                position.set(at);
            }
        }

        @Override
        public void onReset(String at) {
            resets++;
            position.set(at);
        }

        @Override
        public void onPosition(String at) {
            position.set(at);
        }

        boolean has(String runId, String node) {
            synchronized (events) {
                return events.stream().anyMatch(e -> e.runId().equals(runId) && e.nodeSpec().name().equals(node));
            }
        }
    }
}
