package io.adagio.repository;

import io.adagio.Graphs;
import io.adagio.engine.GraphFingerprint;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Edge;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.GraphSpec;
import io.adagio.model.MetadataValues;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.Run;
import io.adagio.model.RunOutcome;
import io.adagio.model.RunStatus;
import io.adagio.model.Stats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import io.adagio.repository.RunEndedException;
import io.adagio.repository.Dispatch;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.RunPausedException;
import io.adagio.engine.Retrying;
import io.adagio.engine.Timers;
import io.adagio.model.RetryRule;
import io.adagio.repository.CancelledClaim;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The conformance suite every {@link Repository} backend passes: add a test here and every backend is covered.
 * Each test starts from a fresh, empty repository and depends on no other test.
 *
 * <p>It covers:
 * <ul>
 *   <li>the eight scenarios of the reference behaviour: happy path layer by layer (with five concurrent claims
 *       per node and the events of each layer), failure with downstream skipped, retry on error, retries
 *       exhausted, orphaning, stats after scenarios 1–5, the list predicates over those runs (scenario 8 is
 *       this class itself, extended by each backend);</li>
 *   <li>claims: 50 concurrent claims on one node have exactly one winner (20 times); a WAITING node is "not
 *       ready"; RUNNING and COMPLETED nodes are "not claimed"; a claim needs a live lease;</li>
 *   <li>finishes: a stale claim is rejected and changes nothing; an identical repeated finish succeeds and
 *       records one attempt; a different result from the same claim is rejected;</li>
 *   <li>unknown runs and nodes are "not found" for inspect, claim and finish;</li>
 *   <li>agents: registration lists them, heartbeats renew, unregistering and lease expiry (forced, and by a real
 *       short TTL) remove them and orphan their RUNNING nodes with a NODE_ORPHANED event;</li>
 *   <li>events: the current set on subscribe, runtime and type filters, resuming from a cursor delivers exactly
 *       the missed events, a cursor older than the kept history gets a reset snapshot.</li>
 * </ul>
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class RepositoryContract {
    protected static final Duration TTL = Duration.ofSeconds(30);

    protected Repository repo;
    private final RunFactory runs = new RunFactory(Clock.systemUTC());
    private final List<Subscription> subscriptions = new ArrayList<>();

    /** How many events the repositories of most tests keep for resuming subscribers. */
    protected static final int HISTORY = 10_000;

    /** A fresh, empty repository that keeps {@code historyCapacity} events for resuming subscribers. */
    protected abstract Repository createRepository(int historyCapacity) throws Exception;

    /** Whether this backend fills a finish's dispatch with other READY nodes in the finish's own step. */
    protected boolean fillsInTheFinishStep() {
        return false;
    }

    /** Makes the agent's lease end now, as if its TTL ran out without heartbeats (etcd: a revoke). */
    protected abstract void forceLeaseExpiry(String agentId) throws Exception;

    /**
     * Lets the agent's lease run out by itself: its TTL passes without heartbeats (memory: the injected clock
     * moves past it; etcd, whose leases run on its own clock, forces the expiry as {@link #forceLeaseExpiry}).
     */
    protected abstract void letLeaseRunOut(String agentId, Duration ttl) throws Exception;

    /** Drops the retained event history (compaction), so older cursors can no longer resume. */
    protected abstract void forgetHistory() throws Exception;

    /**
     * Lets {@code time} pass on the repository's clock and has it do what is due then (fence off what a cancel
     * left running, fire node timers: timeouts and backoffs), as its own periodic checks would.
     */
    protected abstract void letTimePass(Duration time) throws Exception;

    /** Releases what {@link #createRepository} made. */
    protected void closeRepository(Repository repository) throws Exception {
        if (repository instanceof AutoCloseable c) {
            c.close();
        }
    }

    @BeforeEach
    void freshRepository() throws Exception {
        repo = createRepository(HISTORY);
    }

    @AfterEach
    void close() throws Exception {
        subscriptions.forEach(Subscription::close);
        closeRepository(repo);
    }

    // ---- the reference scenarios ---------------------------------------------------------------------------

    @Test
    void scenario1_happyPathRunsLayerByLayer() throws Exception {
        agent("agent-1");
        Recorder events = subscribe(EventFilter.all(), null);
        Run run = start(Graphs.seven());
        assertThat(run.status()).isEqualTo(RunStatus.WAITING);
        String id = run.id();

        for (String waiting : List.of("c", "d", "e", "f", "g")) {
            assertThatThrownBy(() -> claim(id, waiting, "agent-1")).isInstanceOf(NodeNotReadyException.class);
        }
        awaitReady(events, id, "a", "b");
        runLayer(id, List.of("a", "b"));
        assertThat(repo.inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);

        awaitReady(events, id, "a", "b", "c", "d", "f");
        Node d = claimWinner(id, "d");
        assertThat(d.status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(d.startedAt()).isNotNull();
        assertThat(text(d.inputs())).isEqualTo(Map.of("a", "a", "b", "b"));
        finish(id, "d", d.claim().id(), Result.of(Conclusion.SUCCESS, "d"));
        runLayer(id, List.of("c", "f"));
        assertThat(repo.inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);

        awaitReady(events, id, "a", "b", "c", "d", "f", "e");
        runLayer(id, List.of("e"));
        awaitReady(events, id, "a", "b", "c", "d", "f", "e", "g");
        assertThat(repo.inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);
        runLayer(id, List.of("g"));

        Run done = repo.inspectRun(id);
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        Map<String, Set<String>> parents = Map.of("a", Set.of(), "b", Set.of(), "c", Set.of("a"), "d", Set.of("a", "b"),
                "e", Set.of("c", "d"), "f", Set.of("b"), "g", Set.of("e", "f"));
        for (Node n : done.nodes()) {
            assertThat(n.status()).as(n.name()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(n.attempts()).as(n.name()).hasSize(1);
            assertThat(n.lastAttempt().conclusion()).isEqualTo(Conclusion.SUCCESS);
            assertThat(new String(n.lastAttempt().output(), StandardCharsets.UTF_8)).isEqualTo(n.name());
            assertThat(n.finishedAt()).isNotNull();
            assertThat(n.skipped()).isFalse();
            assertThat(text(n.inputs())).isEqualTo(parents.get(n.name()).stream().collect(Collectors.toMap(p -> p, p -> p)));
        }
        assertThat(readyEvents(events, id)).hasSize(7);
    }

    @Test
    void completionIsReportedWhenTheLastNodeCompletes() throws Exception {
        agent("agent-1");
        String id = start(Graphs.chain(3, "debug")).id();
        assertThat(repo.isRunCompleted(id)).isFalse();
        runLayer(id, List.of("n0", "n1"));
        assertThat(repo.isRunCompleted(id)).isFalse();
        Node last = claimWinner(id, "n2");
        assertThat(repo.isRunCompleted(id)).isFalse();
        finish(id, "n2", last.claim().id(), Result.of(Conclusion.FAIL, "x"));
        assertThat(repo.isRunCompleted(id)).isTrue();
        String skipped = failedRun();
        assertThat(repo.isRunCompleted(skipped)).isTrue();
        assertThatThrownBy(() -> repo.isRunCompleted("01ARZ3NDEKTSV4RRFFQ69G5FAV")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void scenario2_failureSkipsEverythingDownstream() throws Exception {
        agent("agent-1");
        String id = failedRun();
        Run run = repo.inspectRun(id);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.outcome()).isEqualTo(RunOutcome.FAILED);
        assertThat(run.node("d").lastAttempt().conclusion()).isEqualTo(Conclusion.FAIL);
        assertThat(run.node("d").skipped()).isFalse();
        for (String skipped : List.of("e", "g")) {
            Node n = run.node(skipped);
            assertThat(n.status()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(n.attempts()).isEmpty();
            assertThat(n.skipped()).isTrue();
        }
        assertThat(text(run.node("e").inputs())).isEqualTo(Map.of("c", "c"));
        assertThat(text(run.node("g").inputs())).isEqualTo(Map.of("f", "f"));
    }

    @Test
    void scenario3_errorIsRetriedWhenAllowed() throws Exception {
        agent("agent-1");
        Recorder events = subscribe(EventFilter.all(), null);
        String id = retriedRun(events);
        Run run = repo.inspectRun(id);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(run.node("h").attempts()).extracting(Result::conclusion).containsExactly(Conclusion.ERROR, Conclusion.SUCCESS);
        assertThat(readyEvents(events, id).stream().filter("h"::equals)).hasSize(2);
    }

    @Test
    void scenario4_exhaustedRetriesFailTheNode() throws Exception {
        agent("agent-1");
        String id = exhaustedRun();
        Run run = repo.inspectRun(id);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.outcome()).isEqualTo(RunOutcome.FAILED);
        assertThat(run.node("i").attempts()).extracting(Result::conclusion).containsExactly(Conclusion.FAIL, Conclusion.FAIL);
        assertThat(run.node("c").attempts()).isEmpty();
        assertThat(run.node("c").skipped()).isTrue();
        assertThat(run.node("c").status()).isEqualTo(NodeStatus.COMPLETED);
    }

    @Test
    void scenario5_orphanedNodeIsReclaimedAndFinished() throws Exception {
        agent("agent-1");
        agent("agent-2");
        Recorder events = subscribe(EventFilter.all(), null);
        String id = orphanedRun(events);
        Node a = repo.inspectNode(id, "a");
        assertThat(a.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(a.attempts()).extracting(Result::conclusion).containsExactly(Conclusion.ERROR);
    }

    @Test
    void scenario6_statsCountEveryRunAndNode() throws Exception {
        agent("agent-1");
        agent("agent-2");
        runScenarios1To5();
        Stats stats = repo.stats();
        assertThat(stats.runCount()).isEqualTo(5);
        assertThat(stats.nodeCounts()).isEqualTo(new Stats.NodeCounts(0, 0, 0, 23, 0));
    }

    @Test
    void scenario7_listPredicatesSelectByCreationTime() throws Exception {
        agent("agent-1");
        agent("agent-2");
        runScenarios1To5();
        List<Run> all = repo.listRuns(RunQuery.all());
        assertThat(all).hasSize(5);
        assertThat(all).extracting(Run::id).isSortedAccordingTo(Collections.reverseOrder());
        // numbered as listed: 1 is the newest
        Instant second = all.get(1).createdAt();
        Instant last = all.get(4).createdAt();
        Instant now = Instant.now().plusSeconds(1);
        assertThat(ids(new RunQuery(now, Instant.EPOCH, 3))).isEqualTo(ids(all.subList(0, 3)));
        assertThat(ids(new RunQuery(second, Instant.EPOCH, 100))).isEqualTo(ids(all.subList(1, 5)));
        assertThat(ids(new RunQuery(now, second, 100))).isEqualTo(ids(all.subList(0, 2)));
        assertThat(ids(new RunQuery(last, Instant.EPOCH, 100))).isEqualTo(ids(all.subList(4, 5)));
        assertThat(ids(new RunQuery(second, last, 2))).isEqualTo(ids(all.subList(1, 3)));
        assertThat(repo.listRuns(new RunQuery(now, Instant.EPOCH, 1000))).hasSize(5);
        assertThat(repo.listRuns(new RunQuery(Instant.EPOCH.plusSeconds(1), Instant.EPOCH, 10))).isEmpty();
    }

    @Test
    void runsAreFoundByStatusAndOutcomeAndPagedWithACursor() throws Exception {
        agent("agent-1");
        List<String> started = new ArrayList<>(); // oldest first
        for (int i = 0; i < 5; i++) {
            started.add(start(Graphs.single("a")).id());
        }
        Node failing = claimWinner(started.get(1), "a");
        finish(started.get(1), "a", failing.claim().id(), Result.of(Conclusion.FAIL, "no"));
        Node passing = claimWinner(started.get(3), "a");
        finish(started.get(3), "a", passing.claim().id(), Result.of(Conclusion.SUCCESS, "yes"));
        claimWinner(started.get(4), "a"); // RUNNING
        Instant now = Instant.now().plusSeconds(1);

        RunPage completed = repo.findRuns(new RunQuery(now, Instant.EPOCH, 10, null, RunStatus.COMPLETED, null));
        assertThat(ids(completed.runs())).containsExactly(started.get(3), started.get(1));
        assertThat(completed.next()).as("nothing left").isNull();
        assertThat(ids(repo.findRuns(new RunQuery(now, Instant.EPOCH, 10, null, null, RunOutcome.FAILED)).runs()))
                .containsExactly(started.get(1));
        assertThat(ids(repo.findRuns(new RunQuery(now, Instant.EPOCH, 10, null, RunStatus.RUNNING, null)).runs()))
                .containsExactly(started.get(4));
        assertThat(ids(repo.findRuns(new RunQuery(now, Instant.EPOCH, 10, null, RunStatus.WAITING, null)).runs()))
                .containsExactly(started.get(2), started.get(0));

        List<String> paged = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            RunPage page = repo.findRuns(new RunQuery(now, Instant.EPOCH, 2, token, null, null));
            assertThat(page.runs()).hasSizeLessThanOrEqualTo(2);
            paged.addAll(ids(page.runs()));
            token = page.next();
            pages++;
        } while (token != null && pages < 10);
        List<String> newestFirst = new ArrayList<>(started);
        Collections.reverse(newestFirst);
        assertThat(paged).as("every run once, newest first").containsExactlyElementsOf(newestFirst);
        assertThat(repo.findRuns(new RunQuery(Instant.EPOCH, now, 10, null, null, null)).runs())
                .as("a window whose newest end is before its oldest").isEmpty();
        RunPage failedPage = repo.findRuns(new RunQuery(now, Instant.EPOCH, 1, started.get(3), RunStatus.COMPLETED, null));
        assertThat(ids(failedPage.runs())).as("after the token only").containsExactly(started.get(1));
    }

    /** A filter nothing matches looks at a bounded number of runs per call and says where to go on. */
    @Test
    void aSelectiveFilterLooksAtABoundedNumberOfRunsPerCall() {
        int total = RunQuery.SCAN_BUDGET + 5;
        for (int i = 0; i < total; i++) {
            start(Graphs.single("a"));
        }
        Instant now = Instant.now().plusSeconds(1);
        RunPage first = repo.findRuns(new RunQuery(now, Instant.EPOCH, 10, null, RunStatus.COMPLETED, null));
        assertThat(first.runs()).isEmpty();
        assertThat(first.next()).as("the budget ran out: where to go on").isNotNull();
        RunPage second = repo.findRuns(new RunQuery(now, Instant.EPOCH, 10, first.next(), RunStatus.COMPLETED, null));
        assertThat(second.runs()).isEmpty();
        assertThat(second.next()).as("the last five looked at: nothing left").isNull();
        assertThat(repo.findRuns(new RunQuery(now, Instant.EPOCH, 10, first.next(), RunStatus.WAITING, null)).runs())
                .hasSize(5);
    }

    // ---- claims --------------------------------------------------------------------------------------------

    @Test
    void fiftyConcurrentClaimsHaveExactlyOneWinner() throws Exception {
        for (int i = 0; i < 50; i++) {
            agent("agent-" + i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            for (int round = 0; round < 20; round++) {
                String id = start(Graphs.single("a")).id();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<ClaimOutcome>> futures = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    String agent = "agent-" + i;
                    futures.add(pool.submit(() -> {
                        go.await();
                        return claim(id, "a", agent);
                    }));
                }
                go.countDown();
                List<ClaimOutcome> outcomes = new ArrayList<>();
                for (Future<ClaimOutcome> f : futures) {
                    outcomes.add(f.get(60, TimeUnit.SECONDS));
                }
                List<ClaimOutcome> winners = outcomes.stream().filter(ClaimOutcome::claimed).toList();
                assertThat(winners).as("round %d", round).hasSize(1);
                assertThat(repo.inspectNode(id, "a").claim().id()).isEqualTo(winners.get(0).claim().id());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void claimingAWaitingNodeIsNotReady() throws Exception {
        agent("agent-1");
        String id = start(Graphs.seven()).id();
        assertThatThrownBy(() -> claim(id, "g", "agent-1")).isInstanceOf(NodeNotReadyException.class);
        assertThat(repo.inspectNode(id, "g").status()).isEqualTo(NodeStatus.WAITING);
    }

    @Test
    void runningAndCompletedNodesAreNotClaimed() throws Exception {
        agent("agent-1");
        String id = start(Graphs.single("a")).id();
        Node a = claimWinner(id, "a");
        assertThat(claim(id, "a", "agent-1").claimed()).isFalse();
        finish(id, "a", a.claim().id(), Result.of(Conclusion.SUCCESS, "a"));
        assertThat(claim(id, "a", "agent-1").claimed()).isFalse();
    }

    @Test
    void claimNeedsALiveLease() throws Exception {
        String id = start(Graphs.single("a")).id();
        assertThatThrownBy(() -> claim(id, "a", "nobody")).isInstanceOf(LeaseNotFoundException.class);
        assertThat(repo.inspectNode(id, "a").status()).isEqualTo(NodeStatus.READY);
    }

    // ---- finishes ------------------------------------------------------------------------------------------

    @Test
    void staleClaimIsRejectedAndChangesNothing() throws Exception {
        agent("zombie");
        agent("agent-2");
        Recorder events = subscribe(EventFilter.all(), null);
        String id = start(Graphs.single("a")).id();
        Node first = claimWinner(id, "a", "zombie");
        forceLeaseExpiry("zombie");
        awaitEvent(events, EventType.NODE_ORPHANED, id, "a");
        Node second = claimWinner(id, "a", "agent-2");
        Node before = repo.inspectNode(id, "a");

        assertThatThrownBy(() -> finish(id, "a", first.claim().id(), Result.of(Conclusion.SUCCESS, "late")))
                .isInstanceOf(StaleClaimException.class);
        Node after = repo.inspectNode(id, "a");
        assertThat(after.status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(after.claim().id()).isEqualTo(second.claim().id());
        assertThat(after.attempts()).isEmpty();
        assertThat(after.startedAt()).isEqualTo(before.startedAt());
        assertThat(finish(id, "a", second.claim().id(), Result.of(Conclusion.SUCCESS, "a")).status())
                .isEqualTo(NodeStatus.COMPLETED);
    }

    @Test
    void identicalRepeatedFinishSucceedsOnce() throws Exception {
        agent("agent-1");
        String id = start(Graphs.seven()).id();
        Node a = claimWinner(id, "a");
        Result ok = Result.of(Conclusion.SUCCESS, "a");
        Node once = finish(id, "a", a.claim().id(), ok);
        Node twice = finish(id, "a", a.claim().id(), Result.of(Conclusion.SUCCESS, "a"));
        assertThat(twice.attempts()).hasSize(1);
        assertThat(twice.status()).isEqualTo(once.status());
        assertThat(repo.inspectNode(id, "a").attempts()).hasSize(1);
        assertThatThrownBy(() -> finish(id, "a", a.claim().id(), Result.of(Conclusion.FAIL, "other")))
                .isInstanceOf(StaleClaimException.class);
        assertThat(repo.inspectNode(id, "a").attempts()).hasSize(1);
    }

    @Test
    void finishWithAnUnknownClaimIsStale() throws Exception {
        agent("agent-1");
        String id = start(Graphs.single("a")).id();
        assertThatThrownBy(() -> finish(id, "a", "01J000000000000000000000XX", Result.of(Conclusion.SUCCESS, "")))
                .isInstanceOf(StaleClaimException.class);
        claimWinner(id, "a");
        assertThatThrownBy(() -> finish(id, "a", "01J000000000000000000000XX", Result.of(Conclusion.SUCCESS, "")))
                .isInstanceOf(StaleClaimException.class);
        assertThat(repo.inspectNode(id, "a").status()).isEqualTo(NodeStatus.RUNNING);
    }

    // ---- not found -----------------------------------------------------------------------------------------

    @Test
    void unknownRunOrNodeIsNotFound() throws Exception {
        agent("agent-1");
        String id = start(Graphs.single("a")).id();
        String missing = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
        assertThatThrownBy(() -> repo.inspectRun(missing)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> repo.inspectNode(missing, "a")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> repo.inspectNode(id, "zz")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> claim(missing, "a", "agent-1")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> claim(id, "zz", "agent-1")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> finish(missing, "a", "c", Result.of(Conclusion.SUCCESS, ""))).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> finish(id, "zz", "c", Result.of(Conclusion.SUCCESS, ""))).isInstanceOf(NotFoundException.class);
    }

    // ---- agents and leases ---------------------------------------------------------------------------------

    @Test
    void agentsAreListedWhileTheirLeaseLives() throws Exception {
        assertThat(repo.listAgents()).isEmpty();
        AgentLease lease = repo.registerAgent(new Agent("agent-1", List.of(new AgentRuntime("debug"), new AgentRuntime("exec"))), TTL);
        assertThat(lease.ttl()).isEqualTo(TTL);
        assertThat(repo.listAgents()).extracting(Agent::id).containsExactly("agent-1");
        assertThat(repo.listAgents().get(0).runtimes()).extracting(AgentRuntime::name).containsExactly("debug", "exec");
        assertThat(repo.heartbeat("agent-1").agent().id()).isEqualTo("agent-1");
        repo.unregisterAgent("agent-1");
        assertThat(repo.listAgents()).isEmpty();
        assertThatThrownBy(() -> repo.heartbeat("agent-1")).isInstanceOf(LeaseNotFoundException.class);
        assertThatThrownBy(() -> repo.heartbeat("never")).isInstanceOf(LeaseNotFoundException.class);
        repo.unregisterAgent("never");
    }

    @Test
    void unregisteringOrphansTheAgentsRunningNodes() throws Exception {
        agent("agent-1");
        Recorder events = subscribe(EventFilter.all(), null);
        String id = start(Graphs.single("a")).id();
        claimWinner(id, "a");
        repo.unregisterAgent("agent-1");
        awaitEvent(events, EventType.NODE_ORPHANED, id, "a");
        assertThat(repo.inspectNode(id, "a").status()).isEqualTo(NodeStatus.NONE);
        assertThat(repo.stats().nodeCounts().orphaned()).isEqualTo(1);
    }

    @Test
    void leaseExpiresByItselfWithoutHeartbeats() throws Exception {
        repo.registerAgent(new Agent("short", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(5));
        Recorder events = subscribe(EventFilter.all(), null);
        String id = start(Graphs.single("a")).id();
        claimWinner(id, "a", "short");
        assertThat(repo.listAgents()).extracting(Agent::id).contains("short");
        letLeaseRunOut("short", Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> repo.inspectNode(id, "a").status() == NodeStatus.NONE);
        awaitEvent(events, EventType.NODE_ORPHANED, id, "a");
        assertThat(repo.listAgents()).extracting(Agent::id).doesNotContain("short");
        assertThatThrownBy(() -> repo.heartbeat("short")).isInstanceOf(LeaseNotFoundException.class);
    }

    @Test
    void heartbeatsKeepTheLeaseAlive() throws Exception {
        repo.registerAgent(new Agent("beating", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(2));
        String id = start(Graphs.single("a")).id();
        claimWinner(id, "a", "beating");
        Instant until = Instant.now().plusSeconds(4);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(400)).until(() -> {
            repo.heartbeat("beating");
            return Instant.now().isAfter(until);
        });
        assertThat(repo.inspectNode(id, "a").status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(repo.listAgents()).extracting(Agent::id).contains("beating");
    }

    @Test
    void aClaimRetriedWithItsRequestIdAnswersTheSameClaim() throws Exception {
        agent("agent-1");
        agent("agent-2");
        String id = start(Graphs.single("a")).id();
        Claim first = new Claim(claimId(), Map.of(Claim.REQUEST_ID, MetadataValues.of("req-1")));
        ClaimOutcome won = repo.claimNode(id, "a", "agent-1", first);
        assertThat(won.claimed()).isTrue();
        Claim retry = new Claim(claimId(), Map.of(Claim.REQUEST_ID, MetadataValues.of("req-1")));
        ClaimOutcome again = repo.claimNode(id, "a", "agent-1", retry);
        assertThat(again.claimed()).as("the answer of a claim that committed while its answer was lost").isTrue();
        assertThat(again.claim().id()).isEqualTo(won.claim().id());
        assertThat(again.node().attempts()).isEmpty();
        assertThat(repo.claimNode(id, "a", "agent-2", new Claim(claimId(), Map.of(Claim.REQUEST_ID,
                MetadataValues.of("req-1")))).claimed()).as("another agent's request").isFalse();
        assertThat(repo.claimNode(id, "a", "agent-1", new Claim(claimId(), Map.of(Claim.REQUEST_ID,
                MetadataValues.of("req-2")))).claimed()).as("another request").isFalse();
        assertThat(repo.claimNode(id, "a", "agent-1", Claim.of(claimId())).claimed()).as("no request id").isFalse();
        assertThat(repo.inspectNode(id, "a").claim().id()).isEqualTo(won.claim().id());
        finish(id, "a", won.claim().id(), Result.of(Conclusion.SUCCESS, "once"));
        assertThat(repo.claimNode(id, "a", "agent-1", retry).claimed()).as("the node completed").isFalse();
    }

    // ---- claiming ready nodes in batches --------------------------------------------------------------------

    /** How often the claim storm repeats on this backend (each round: 1,000 nodes, 16 agents). */
    protected int claimStormRounds() {
        return 20;
    }

    @Test
    void claimingReadyNodesTakesUpToMaxOfTheAgentsRuntimesEachOnce() throws Exception {
        agent("agent-1");
        List<String> debugRuns = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            debugRuns.add(start(Graphs.single("d" + i)).id());
        }
        String execRun = start(Graphs.fanOut(0, "exec")).id();
        List<ClaimOutcome> first = repo.claimReady("agent-1", 2, () -> Claim.of(claimId()));
        assertThat(first).hasSize(2).allSatisfy(c -> {
            assertThat(c.claimed()).isTrue();
            assertThat(c.node().status()).isEqualTo(NodeStatus.RUNNING);
            assertThat(c.node().claim()).isEqualTo(c.claim());
            assertThat(c.node().spec().runtime()).isEqualTo("debug");
        });
        List<ClaimOutcome> rest = repo.claimReady("agent-1", 5, () -> Claim.of(claimId()));
        assertThat(rest).hasSize(1);
        assertThat(repo.claimReady("agent-1", 5, () -> Claim.of(claimId()))).isEmpty();
        List<String> claimedNodes = new ArrayList<>();
        first.forEach(c -> claimedNodes.add(c.node().name()));
        rest.forEach(c -> claimedNodes.add(c.node().name()));
        assertThat(claimedNodes).containsExactlyInAnyOrder("d0", "d1", "d2");
        for (String id : debugRuns) {
            assertThat(repo.inspectRun(id).nodes().get(0).status()).isEqualTo(NodeStatus.RUNNING);
        }
        assertThat(repo.inspectNode(execRun, "root").status()).as("not agent-1's runtime").isEqualTo(NodeStatus.READY);
        assertThatThrownBy(() -> repo.claimReady("nobody", 1, () -> Claim.of(claimId())))
                .isInstanceOf(LeaseNotFoundException.class);
    }

    @Test
    void sixteenAgentsClaimingBatchesTakeEachOfAThousandReadyNodesExactlyOnce() throws Exception {
        List<NodeSpec> specs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            specs.add(NodeSpec.of("r" + i, "debug"));
        }
        for (int round = 0; round < claimStormRounds(); round++) {
            String id = start(new GraphSpec(specs, List.of())).id();
            List<String> agents = new ArrayList<>();
            for (int a = 0; a < 16; a++) {
                agents.add("storm-" + round + "-" + a);
                agent(agents.get(a));
            }
            List<String> all = together(agents, agentId -> {
                List<String> won = new ArrayList<>();
                while (true) {
                    List<ClaimOutcome> batch = repo.claimReady(agentId, 25, () -> Claim.of(claimId()));
                    if (batch.isEmpty()) {
                        return won;
                    }
                    batch.forEach(c -> won.add(c.node().name()));
                }
            });
            assertThat(all).as("round %d: every node claimed exactly once", round).hasSize(1000)
                    .doesNotHaveDuplicates();
            assertThat(repo.inspectRun(id).nodes()).as("round %d", round)
                    .allSatisfy(n -> assertThat(n.status()).isEqualTo(NodeStatus.RUNNING));
        }
    }

    // ---- eager dispatch -------------------------------------------------------------------------------------

    private static Dispatch to(String agentId, int max) {
        return new Dispatch(agentId, max, RepositoryContract::claimId);
    }

    @Test
    void aFinishClaimsTheChildItMakesReadyForItsAgent() throws Exception {
        agent("agent-1");
        agent("agent-2");
        String id = start(Graphs.chain(3, "debug")).id();
        Node n0 = claimWinner(id, "n0");
        Finished f = repo.finishNode(id, "n0", n0.claim().id(), Result.of(Conclusion.SUCCESS, "zero"), to("agent-1", 1));
        assertThat(f.node().status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(f.next()).singleElement().satisfies(c -> {
            assertThat(c.claimed()).isTrue();
            assertThat(c.node().name()).isEqualTo("n1");
            assertThat(c.node().status()).isEqualTo(NodeStatus.RUNNING);
            assertThat(text(c.node().inputs())).containsEntry("n0", "zero");
            assertThat(c.node().claim()).isEqualTo(c.claim());
            assertThat(Dispatch.madeBy(c.claim(), n0.claim().id())).isTrue();
        });
        assertThat(repo.inspectNode(id, "n1").status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(claim(id, "n1", "agent-2").claimed()).as("already held by agent-1").isFalse();

        String n1Claim = f.next().get(0).claim().id();
        Finished second = repo.finishNode(id, "n1", n1Claim, Result.of(Conclusion.SUCCESS, "one"), to("agent-1", 1));
        assertThat(second.next()).extracting(c -> c.node().name()).containsExactly("n2");
        repo.finishNode(id, "n2", second.next().get(0).claim().id(), Result.of(Conclusion.SUCCESS, "two"), to("agent-1", 1));
        assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(repo.inspectRun(id).nodes()).allSatisfy(n -> assertThat(n.attempts()).hasSize(1));
    }

    @Test
    void theNodesAnAgentHoldsForARequestAreFoundAgain() throws Exception {
        agent("agent-1");
        agent("agent-2");
        String id = start(Graphs.fanOut(0, "debug")).id();
        String other = start(Graphs.chain(1, "debug")).id();
        Supplier<Claim> forRequest = () -> new Claim(claimId(), Map.of(Claim.REQUEST_ID, MetadataValues.of("req-7")));
        List<ClaimOutcome> won = repo.claimReady("agent-1", 5, forRequest);
        assertThat(won).hasSize(2);
        assertThat(repo.heldFor("agent-1", "req-7")).extracting(c -> c.claim().id())
                .containsExactlyInAnyOrderElementsOf(won.stream().map(c -> c.claim().id()).toList());
        assertThat(repo.heldFor("agent-1", "req-8")).as("another request").isEmpty();
        assertThat(repo.heldFor("agent-2", "req-7")).as("another agent").isEmpty();

        ClaimOutcome done = won.get(0);
        finish(done.runId(), done.node().name(), done.claim().id(), Result.of(Conclusion.SUCCESS, "x"));
        assertThat(repo.heldFor("agent-1", "req-7")).as("only what it still holds").singleElement()
                .satisfies(c -> assertThat(c.claim().id()).isEqualTo(won.get(1).claim().id()));
        forceLeaseExpiry("agent-1");
        assertThat(repo.heldFor("agent-1", "req-7")).as("nothing once its lease ended").isEmpty();
        assertThat(List.of(id, other)).contains(won.get(1).runId());
    }

    @Test
    void exactlyOneFinishCompletesARunEvenWhenTheLastOnesFinishAtOnce() throws Exception {
        agent("agent-1");
        for (int round = 0; round < 3; round++) {
            String id = start(Graphs.fanOut(8, "debug")).id();
            Node root = claimWinner(id, "root");
            assertThat(repo.finishNode(id, "root", root.claim().id(), Result.of(Conclusion.SUCCESS, "r"), Dispatch.NONE)
                    .runCompleted()).as("a finish that leaves nodes to run").isFalse();
            List<Node> leaves = new ArrayList<>();
            for (String leaf : repo.inspectRun(id).nodes().stream().map(Node::name).filter(n -> !n.equals("root")).toList()) {
                leaves.add(claimWinner(id, leaf));
            }
            ExecutorService pool = Executors.newFixedThreadPool(leaves.size());
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Finished>> finishes = new ArrayList<>();
                for (Node leaf : leaves) {
                    finishes.add(pool.submit(() -> {
                        go.await();
                        return repo.finishNode(id, leaf.name(), leaf.claim().id(), Result.of(Conclusion.SUCCESS, "x"),
                                Dispatch.NONE);
                    }));
                }
                go.countDown();
                int completing = 0;
                for (Future<Finished> f : finishes) {
                    Finished done = f.get(60, TimeUnit.SECONDS);
                    completing += done.runCompleted() ? 1 : 0;
                    assertThat(done.outcome()).as("an outcome told, only by the finish that completed, and the run's")
                            .isEqualTo(done.runCompleted() ? RunOutcome.SUCCEEDED : null);
                }
                assertThat(completing).as("round %d: finishes that say they completed the run", round).isEqualTo(1);
            } finally {
                pool.shutdownNow();
            }
            Node last = leaves.get(0);
            assertThat(repo.finishNode(id, last.name(), last.claim().id(), Result.of(Conclusion.SUCCESS, "x"),
                    Dispatch.NONE).runCompleted()).as("a repeated finish completes nothing").isFalse();
            assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        }
    }

    @Test
    void theFinishThatCompletesARunOfOneNodeTellsTheRunsOutcome() throws Exception {
        agent("agent-1");
        String ok = start(Graphs.single("a")).id();
        Node a = claimWinner(ok, "a");
        Finished succeeded = repo.finishNode(ok, "a", a.claim().id(), Result.of(Conclusion.SUCCESS, "x"), Dispatch.NONE);
        assertThat(succeeded.runCompleted()).isTrue();
        assertThat(succeeded.outcome()).isEqualTo(RunOutcome.SUCCEEDED).isEqualTo(repo.inspectRun(ok).outcome());
        assertThat(repo.finishNode(ok, "a", a.claim().id(), Result.of(Conclusion.SUCCESS, "x"), Dispatch.NONE).outcome())
                .as("a repeated finish completes nothing, so it tells no outcome").isNull();

        String failing = start(Graphs.single("a")).id();
        Node f = claimWinner(failing, "a");
        Finished failed = repo.finishNode(failing, "a", f.claim().id(), Result.of(Conclusion.FAIL, "no"), Dispatch.NONE);
        assertThat(failed.runCompleted()).isTrue();
        assertThat(failed.outcome()).isEqualTo(RunOutcome.FAILED).isEqualTo(repo.inspectRun(failing).outcome());
    }

    @Test
    void theFinishThatCompletesARunTellsItsOutcomeWhicheverNodeItFinishes() throws Exception {
        agent("agent-1");
        String id = start(Graphs.fanOut(2, "debug")).id();
        Node root = claimWinner(id, "root");
        repo.finishNode(id, "root", root.claim().id(), Result.of(Conclusion.SUCCESS, "r"), Dispatch.NONE);
        Node failing = claimWinner(id, "leaf-0");
        assertThat(repo.finishNode(id, "leaf-0", failing.claim().id(), Result.of(Conclusion.FAIL, "no"), Dispatch.NONE)
                .runCompleted()).isFalse();
        Node last = claimWinner(id, "leaf-1");
        Finished done = repo.finishNode(id, "leaf-1", last.claim().id(), Result.of(Conclusion.SUCCESS, "x"),
                Dispatch.NONE);
        assertThat(done.runCompleted()).isTrue();
        assertThat(done.outcome()).as("a node that succeeded completes a run that another node failed")
                .isEqualTo(RunOutcome.FAILED).isEqualTo(repo.inspectRun(id).outcome());

        repo.retryRun(id, List.of("leaf-0"));
        Node again = claimWinner(id, "leaf-0");
        Finished retried = repo.finishNode(id, "leaf-0", again.claim().id(), Result.of(Conclusion.SUCCESS, "y"),
                Dispatch.NONE);
        assertThat(retried.runCompleted()).isTrue();
        assertThat(retried.outcome()).as("its failed node retried and succeeded").isEqualTo(RunOutcome.SUCCEEDED)
                .isEqualTo(repo.inspectRun(id).outcome());

        String cancelled = start(Graphs.fanOut(1, "debug")).id();
        Node held = claimWinner(cancelled, "root");
        repo.cancelRun(cancelled, Duration.ofSeconds(30));
        Finished inGrace = repo.finishNode(cancelled, "root", held.claim().id(), Result.of(Conclusion.SUCCESS, "r"),
                Dispatch.NONE);
        assertThat(inGrace.runCompleted()).as("its leaf completed cancelled, the root in its grace").isTrue();
        assertThat(inGrace.outcome()).isEqualTo(RunOutcome.CANCELLED).isEqualTo(repo.inspectRun(cancelled).outcome());
    }

    @Test
    void aRepeatedFinishAnswersTheSameDispatchedClaim() throws Exception {
        agent("agent-1");
        String id = start(Graphs.chain(2, "debug")).id();
        Node n0 = claimWinner(id, "n0");
        Result ok = Result.of(Conclusion.SUCCESS, "zero");
        Finished first = repo.finishNode(id, "n0", n0.claim().id(), ok, to("agent-1", 1));
        Finished again = repo.finishNode(id, "n0", n0.claim().id(), ok, to("agent-1", 1));
        assertThat(again.next()).as("the answer of a lost first try").extracting(c -> c.claim().id())
                .containsExactlyElementsOf(first.next().stream().map(c -> c.claim().id()).toList());
        assertThat(repo.inspectNode(id, "n1").claim().id()).isEqualTo(first.next().get(0).claim().id());
    }

    /**
     * A finish asked to fill ({@link Dispatch#fill}) may claim other READY nodes of its agent's runtimes in its own
     * step, after the children it makes READY: a backend that does says so ({@link Finished#filled()}), and each
     * such claim names the fill's request id, so a lost answer is found again by it. One that does not claims only
     * the children.
     */
    @Test
    void aFinishThatFillsClaimsOtherReadyNodesAfterItsChildrenEachUnderTheFillsRequestId() throws Exception {
        agent("agent-1");
        Recorder events = subscribe(EventFilter.all(), null);
        String chain = start(Graphs.chain(2, "debug")).id();
        List<String> singles = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            singles.add(start(Graphs.single("s" + i)).id());
        }
        String other = start(new GraphSpec(List.of(NodeSpec.of("x", "exec")), List.of())).id();
        for (int i = 0; i < 3; i++) {
            awaitReady(events, singles.get(i), "s" + i); // offered: the backend has seen them READY
        }
        Node n0 = claimWinner(chain, "n0");
        Finished f = repo.finishNode(chain, "n0", n0.claim().id(), Result.of(Conclusion.SUCCESS, "zero"),
                new Dispatch("agent-1", 3, RepositoryContract::claimId, "finishes:req-1"));

        assertThat(f.next().get(0).node().name()).as("the child first").isEqualTo("n1");
        assertThat(Dispatch.madeBy(f.next().get(0).claim(), n0.claim().id())).isTrue();
        assertThat(f.filled()).isEqualTo(fillsInTheFinishStep());
        if (f.filled()) {
            assertThat(f.next()).hasSize(3);
            List<ClaimOutcome> filled = f.next().subList(1, 3);
            assertThat(filled).allSatisfy(c -> {
                assertThat(singles).contains(c.runId());
                assertThat(c.claim().requestId()).isEqualTo("finishes:req-1");
                assertThat(c.claim().agentId()).isEqualTo("agent-1");
                assertThat(repo.inspectNode(c.runId(), c.node().name()).claim()).isEqualTo(c.claim());
            });
            assertThat(repo.heldFor("agent-1", "finishes:req-1")).extracting(ClaimOutcome::runId)
                    .containsExactlyInAnyOrderElementsOf(filled.stream().map(ClaimOutcome::runId).toList());
        } else {
            assertThat(f.next()).singleElement().satisfies(c -> assertThat(c.node().name()).isEqualTo("n1"));
            assertThat(singles).allSatisfy(s -> assertThat(repo.inspectRun(s).nodes().get(0).status())
                    .isEqualTo(NodeStatus.READY));
        }
        assertThat(repo.inspectNode(other, "x").status()).as("not agent-1's runtime").isEqualTo(NodeStatus.READY);
    }

    /**
     * Nothing lost, nothing twice with filling finishes: four agents working through a fan-out of 400 with one
     * slot each, every finish asking for one more node (a leaf readies nothing, so the fill is what brings the
     * next): every leaf is claimed and finished exactly once, and the run completes.
     */
    @Test
    void agentsFinishingWithFillsTakeEachNodeOfAFanOutExactlyOnce() throws Exception {
        String id = start(Graphs.fanOut(400, "debug")).id();
        List<String> agents = List.of("fill-0", "fill-1", "fill-2", "fill-3");
        agents.forEach(this::agent);
        agent("agent-1");
        Node root = claimWinner(id, "root");
        repo.finishNode(id, "root", root.claim().id(), Result.of(Conclusion.SUCCESS, "r"), Dispatch.NONE);
        List<String> all = together(agents, agentId -> {
            List<String> done = new ArrayList<>();
            List<ClaimOutcome> held = repo.claimReady(agentId, 1, () -> Claim.of(claimId()));
            int k = 0;
            while (!held.isEmpty()) {
                ClaimOutcome c = held.get(0);
                Finished f = repo.finishNode(c.runId(), c.node().name(), c.claim().id(),
                        Result.of(Conclusion.SUCCESS, "ok"),
                        new Dispatch(agentId, 1, RepositoryContract::claimId, "finishes:" + agentId + "-" + k++));
                done.add(c.node().name());
                held = f.filled() || !f.next().isEmpty() ? f.next()
                        : repo.claimReady(agentId, 1, () -> Claim.of(claimId()));
            }
            return done;
        });
        assertThat(all).as("every leaf finished exactly once").hasSize(400).doesNotHaveDuplicates();
        assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(repo.inspectRun(id).nodes()).allSatisfy(n -> assertThat(n.attempts()).hasSize(1));
    }

    /** What one agent's thread does in {@link #together}: the names of the nodes it took. */
    private interface AgentWork {
        List<String> run(String agentId) throws Exception;
    }

    /** Runs {@code work} for every agent on its own thread, all let go at once; answers all they answered. */
    private static List<String> together(List<String> agents, AgentWork work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(agents.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<String>>> fs = new ArrayList<>();
            for (String agentId : agents) {
                fs.add(pool.submit(() -> {
                    go.await();
                    return work.run(agentId);
                }));
            }
            go.countDown();
            List<String> all = new ArrayList<>();
            for (Future<List<String>> f : fs) {
                all.addAll(f.get(120, TimeUnit.SECONDS));
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Outputs are stored once and filled in when read: a child of two parents gets both outputs on every path it
     * is handed out or shown (a finish's dispatch, a batch claim, a claim asked for again by request id, the node,
     * the run, the list), while a finish's own answer does not repeat its node's inputs.
     */
    @Test
    void aChildGetsEveryParentsOutputOnEveryPathItIsReadBy() throws Exception {
        agent("agent-1");
        GraphSpec fanIn = new GraphSpec(List.of(NodeSpec.of("p0", "debug"), NodeSpec.of("p1", "debug"),
                NodeSpec.of("c", "debug"), NodeSpec.of("d", "debug")),
                List.of(new Edge("p0", "c"), new Edge("p1", "c"), new Edge("p0", "d"), new Edge("p1", "d")));
        String id = start(fanIn).id();
        Node p0 = claimWinner(id, "p0");
        Finished first = repo.finishNode(id, "p0", p0.claim().id(), Result.of(Conclusion.SUCCESS, "zero"), to("agent-1", 2));
        assertThat(first.next()).as("c and d still wait for p1").isEmpty();
        assertThat(first.node().inputs()).as("a finish does not repeat its node's inputs").isNull();
        Node p1 = claimWinner(id, "p1");
        Finished second = repo.finishNode(id, "p1", p1.claim().id(), Result.of(Conclusion.SUCCESS, "one"), to("agent-1", 1));
        Map<String, String> both = Map.of("p0", "zero", "p1", "one");
        assertThat(second.next()).singleElement().satisfies(c -> assertThat(text(c.node().inputs())).isEqualTo(both));
        String dispatched = second.next().get(0).node().name();
        String other = dispatched.equals("c") ? "d" : "c";
        assertThat(text(repo.inspectNode(id, other).inputs())).as("READY, shown on its own").isEqualTo(both);

        Supplier<Claim> forRequest = () -> new Claim(claimId(), Map.of(Claim.REQUEST_ID, MetadataValues.of("req-in")));
        assertThat(repo.claimReady("agent-1", 5, forRequest)).singleElement().satisfies(c -> {
            assertThat(c.node().name()).isEqualTo(other);
            assertThat(text(c.node().inputs())).isEqualTo(both);
        });
        assertThat(repo.heldFor("agent-1", "req-in")).singleElement()
                .satisfies(c -> assertThat(text(c.node().inputs())).isEqualTo(both));
        assertThat(repo.inspectRun(id).nodes()).allSatisfy(n -> assertThat(text(n.inputs()))
                .isEqualTo(n.name().startsWith("p") ? Map.of() : both));
        assertThat(repo.listRuns(RunQuery.all())).filteredOn(r -> r.id().equals(id)).singleElement()
                .satisfies(r -> assertThat(text(r.node("c").inputs())).isEqualTo(both));
    }

    @Test
    void aParentsEmptyOutputReachesItsChildAsAnEmptyInput() throws Exception {
        agent("agent-1");
        String id = start(Graphs.chain(2, "debug")).id();
        Node n0 = claimWinner(id, "n0");
        finish(id, "n0", n0.claim().id(), new Result(Conclusion.SUCCESS, Map.of(), null));
        Node n1 = repo.inspectNode(id, "n1");
        assertThat(n1.status()).isEqualTo(NodeStatus.READY);
        assertThat(n1.inputs()).containsOnlyKeys("n0");
        assertThat(n1.inputs().get("n0")).as("empty, not missing").isEmpty();
    }

    @Test
    void aFinishNamingAnAgentThatDoesNotHoldTheNodeIsStaleAndChangesNothing() throws Exception {
        agent("agent-1");
        agent("agent-2");
        String id = start(Graphs.chain(2, "debug")).id();
        Node n0 = claimWinner(id, "n0", "agent-1");
        assertThatThrownBy(() -> repo.finishNode(id, "n0", n0.claim().id(), Result.of(Conclusion.SUCCESS, "x"),
                to("agent-2", 1))).isInstanceOf(StaleClaimException.class);
        assertThat(repo.inspectNode(id, "n0").status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(repo.inspectNode(id, "n1").status()).isEqualTo(NodeStatus.WAITING);
        assertThat(repo.finishNode(id, "n0", n0.claim().id(), Result.of(Conclusion.SUCCESS, "x"), to("agent-1", 0))
                .node().status()).isEqualTo(NodeStatus.COMPLETED);
    }

    @Test
    void dispatchClaimsAtMostItsMaxAndOnlyTheAgentsRuntimes() throws Exception {
        agent("agent-1");
        GraphSpec g = new GraphSpec(List.of(NodeSpec.of("root", "debug"), NodeSpec.of("a", "debug"),
                NodeSpec.of("b", "debug"), NodeSpec.of("c", "debug"), NodeSpec.of("x", "exec")),
                Graphs.edges("root>a", "root>b", "root>c", "root>x"));
        String id = start(g).id();
        Node root = claimWinner(id, "root");
        Finished f = repo.finishNode(id, "root", root.claim().id(), Result.of(Conclusion.SUCCESS, "r"), to("agent-1", 2));
        assertThat(f.next()).hasSize(2).extracting(c -> c.node().spec().runtime()).containsOnly("debug");
        Map<NodeStatus, Long> byStatus = repo.inspectRun(id).nodes().stream().filter(n -> !n.name().equals("root"))
                .collect(Collectors.groupingBy(Node::status, Collectors.counting()));
        assertThat(byStatus).containsEntry(NodeStatus.RUNNING, 2L).containsEntry(NodeStatus.READY, 2L);
        assertThat(repo.inspectNode(id, "x").status()).as("exec is not agent-1's").isEqualTo(NodeStatus.READY);
    }

    @Test
    void concurrentFinishesWithDispatchClaimEachChildExactlyOnce() throws Exception {
        for (int round = 0; round < 5; round++) {
            String id = start(Graphs.diamond(2, 4, "debug")).id();
            List<String> roots = repo.inspectRun(id).nodes().stream().filter(n -> n.status() == NodeStatus.READY)
                    .map(Node::name).toList();
            assertThat(roots).hasSize(4);
            List<Node> held = new ArrayList<>();
            for (int i = 0; i < roots.size(); i++) {
                agent("d-" + round + "-" + i);
                held.add(claimWinner(id, roots.get(i), "d-" + round + "-" + i));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Finished>> fs = new ArrayList<>();
                for (int i = 0; i < held.size(); i++) {
                    Node n = held.get(i);
                    String agentId = "d-" + round + "-" + i;
                    fs.add(pool.submit(() -> {
                        go.await();
                        return repo.finishNode(id, n.name(), n.claim().id(), Result.of(Conclusion.SUCCESS, n.name()),
                                to(agentId, 8));
                    }));
                }
                go.countDown();
                List<String> dispatched = new ArrayList<>();
                for (Future<Finished> f : fs) {
                    f.get(60, TimeUnit.SECONDS).next().forEach(c -> dispatched.add(c.node().name()));
                }
                List<Node> children = repo.inspectRun(id).nodes().stream().filter(n -> !roots.contains(n.name())).toList();
                assertThat(children).hasSize(4);
                List<String> running = children.stream().filter(n -> n.status() == NodeStatus.RUNNING).map(Node::name).toList();
                List<String> ready = children.stream().filter(n -> n.status() == NodeStatus.READY).map(Node::name).toList();
                assertThat(dispatched).as("round %d: no child claimed twice", round).doesNotHaveDuplicates()
                        .containsExactlyInAnyOrderElementsOf(running);
                assertThat(running.size() + ready.size()).as("round %d: every child READY or dispatched", round).isEqualTo(4);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    // ---- observers ---------------------------------------------------------------------------------------

    /** The NODE_STATUS events a recorder got of one run, as "name STATUS[ conclusion][ markers]". */
    private static List<String> statuses(Recorder r, String runId) {
        List<String> out = new ArrayList<>();
        synchronized (r.live) {
            for (CursoredEvent e : r.live) {
                if (e.event().type() == EventType.NODE_STATUS && e.event().runId().equals(runId)) {
                    io.adagio.model.NodeView v = e.event().node();
                    out.add(v.name() + " " + v.status() + (v.conclusion() == null ? "" : " " + v.conclusion())
                            + (v.skipped() ? " skipped" : "") + (v.cancelled() ? " cancelled" : "")
                            + (v.paused() ? " paused" : ""));
                }
            }
        }
        return out;
    }

    @Test
    void anObserverFromARunsObservationGetsEachChangeOfItsNodesOnceInOrder() throws Exception {
        agent("agent-1");
        Run run = start(Graphs.chain(3, "debug"));
        String other = start(Graphs.single("x")).id();
        io.adagio.repository.RunObservation seen = repo.observeRun(run.id());
        assertThat(seen.run().status()).isEqualTo(RunStatus.WAITING);
        Recorder observer = subscribe(EventFilter.observing(run.id()), seen.position());
        Recorder agentStream = subscribe(EventFilter.all(), null);
        List<String> names = run.nodes().stream().map(Node::name).toList();

        for (String name : names) {
            Node held = claimWinner(run.id(), name);
            finish(run.id(), name, held.claim().id(), Result.of(Conclusion.SUCCESS, name));
        }
        claimWinner(other, "x");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(statuses(observer, run.id()))
                .containsExactly(names.get(0) + " RUNNING", names.get(0) + " COMPLETED SUCCESS", names.get(1) + " READY",
                        names.get(1) + " RUNNING", names.get(1) + " COMPLETED SUCCESS", names.get(2) + " READY",
                        names.get(2) + " RUNNING", names.get(2) + " COMPLETED SUCCESS"));
        assertThat(observer.live).as("only its run's node changes, after the observation, in order")
                .allMatch(e -> e.event().runId().equals(run.id()) && e.cursor().isAfter(seen.position()))
                .extracting(CursoredEvent::cursor).doesNotHaveDuplicates().isSorted();
        assertThat(agentStream.live).as("agents get no observer's events")
                .noneMatch(e -> e.event().type().observed());
    }

    @Test
    void observersSeeAnOrphanedNodeAndACancelsMarks() throws Exception {
        agent("agent-1");
        Run run = start(Graphs.fanOut(1, "debug"));
        Recorder observer = subscribe(EventFilter.observing(null), repo.observeRun(run.id()).position());
        claimWinner(run.id(), "root");
        forceLeaseExpiry("agent-1");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(statuses(observer, run.id()))
                .containsExactly("root RUNNING", "root NONE"));
        repo.cancelRun(run.id(), Duration.ZERO);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(statuses(observer, run.id()))
                .as("the orphaned root and the waiting leaf complete cancelled").hasSize(4)
                .contains("root COMPLETED cancelled", "leaf-0 COMPLETED cancelled"));
    }

    @Test
    void aPausedRunsNodesAreSeenWaitingAndMarked() throws Exception {
        Run run = start(Graphs.fanOut(1, "debug"));
        Recorder observer = subscribe(EventFilter.observing(run.id()), repo.observeRun(run.id()).position());
        repo.pauseRun(run.id());
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(statuses(observer, run.id()))
                .containsExactlyInAnyOrder("root WAITING paused", "leaf-0 WAITING paused"));
        repo.resumeRun(run.id());
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(statuses(observer, run.id()))
                .as("resumed: both nodes no longer paused, the root READY again").hasSize(4)
                .containsOnlyOnce("root READY", "leaf-0 WAITING"));
    }

    @Test
    void deletingARunTellsObserversNothingOfItsNodes() throws Exception {
        agent("agent-1");
        Run run = start(Graphs.fanOut(2, "debug"));
        runLayer(run.id(), List.of("root"));
        runLayer(run.id(), List.of("leaf-0", "leaf-1"));
        Recorder observer = subscribe(EventFilter.observing(null), repo.observeRun(run.id()).position());
        repo.deleteRun(run.id());
        String after = start(Graphs.single("later")).id();
        await().atMost(Duration.ofSeconds(15)).until(() -> !statuses(observer, after).isEmpty());
        assertThat(statuses(observer, run.id())).as("a deleted run's nodes are not changes to tell").isEmpty();
    }

    @Test
    void anObservationOfARunThatDoesNotExistIsNotFound() {
        assertThatThrownBy(() -> repo.observeRun("01ARZ3NDEKTSV4RRFFQ69G5FAV")).isInstanceOf(NotFoundException.class);
    }

    // ---- events --------------------------------------------------------------------------------------------

    @Test
    void subscribingDeliversTheCurrentSetFirst() throws Exception {
        agent("agent-1");
        String id = start(Graphs.seven()).id();
        String single = start(Graphs.single("x")).id();
        Node x = claimWinner(single, "x");
        forceLeaseExpiry("agent-1");
        Recorder events = subscribe(EventFilter.all(), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> !events.snapshots.isEmpty());
        Recorder.Snapshot snap = events.snapshots.get(0);
        assertThat(snap.reset()).isFalse();
        assertThat(snap.events()).extracting(e -> e.type() + " " + e.runId() + " " + e.nodeSpec().name())
                .containsExactlyInAnyOrder("NODE_READY " + id + " a", "NODE_READY " + id + " b",
                        "NODE_ORPHANED " + single + " x");
        assertThat(x.status()).as("claimed before the lease ended").isEqualTo(NodeStatus.RUNNING);
        assertThat(repo.inspectNode(single, "x").status()).as("orphaned once it ended").isEqualTo(NodeStatus.NONE);
    }

    @Test
    void subscriptionsFilterByRuntimeAndType() throws Exception {
        Recorder execOnly = subscribe(new EventFilter(Set.of(), Set.of("exec")), null);
        Recorder orphansOnly = subscribe(new EventFilter(Set.of(EventType.NODE_ORPHANED), Set.of()), null);
        Recorder all = subscribe(EventFilter.all(), null);
        String debugRun = start(Graphs.single("d")).id();
        String execRun = start(Graphs.fanOut(0, "exec")).id();
        awaitEvent(all, EventType.NODE_READY, execRun, "root");
        awaitEvent(execOnly, EventType.NODE_READY, execRun, "root");
        assertThat(all.live).extracting(e -> e.event().runId()).contains(debugRun, execRun);
        assertThat(execOnly.live).extracting(e -> e.event().runId()).containsOnly(execRun);
        assertThat(orphansOnly.live).isEmpty();
    }

    @Test
    void resumingFromACursorDeliversExactlyTheMissedEvents() throws Exception {
        agent("agent-1");
        Recorder first = subscribe(EventFilter.all(), null);
        String one = start(Graphs.single("x")).id();
        CursoredEvent seen = awaitEvent(first, EventType.NODE_READY, one, "x");
        first.subscription.close();

        String two = start(Graphs.seven()).id();
        String three = start(Graphs.single("y")).id();
        Recorder resumed = subscribe(EventFilter.all(), seen.cursor());
        awaitEvent(resumed, EventType.NODE_READY, three, "y");
        assertThat(resumed.snapshots).isEmpty();
        assertThat(resumed.live).extracting(e -> e.event().runId() + "/" + e.event().nodeSpec().name())
                .containsExactly(two + "/a", two + "/b", three + "/y");
        assertThat(resumed.live).extracting(CursoredEvent::cursor).allMatch(c -> c.isAfter(seen.cursor()));
        assertThat(resumed.live).extracting(CursoredEvent::cursor).doesNotHaveDuplicates().isSorted();
    }

    @Test
    void aCursorOlderThanTheHistoryGetsAResetAndTheCurrentSet() throws Exception {
        Recorder first = subscribe(EventFilter.all(), null);
        String one = start(Graphs.single("x")).id();
        CursoredEvent seen = awaitEvent(first, EventType.NODE_READY, one, "x");
        first.subscription.close();
        String two = start(Graphs.single("y")).id();
        forgetHistory();

        Recorder resumed = subscribe(EventFilter.all(), seen.cursor());
        await().atMost(Duration.ofSeconds(10)).until(() -> !resumed.snapshots.isEmpty());
        Recorder.Snapshot snap = resumed.snapshots.get(0);
        assertThat(snap.reset()).isTrue();
        assertThat(snap.events()).extracting(e -> e.runId() + "/" + e.nodeSpec().name())
                .containsExactlyInAnyOrder(one + "/x", two + "/y");
        String three = start(Graphs.single("z")).id();
        awaitEvent(resumed, EventType.NODE_READY, three, "z");
    }

    @Test
    void aSlowSubscriberNeitherBlocksOthersNorLosesEvents() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Recorder slow = blocked(repo, release);
        Recorder fast = subscribe(EventFilter.all(), null);

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(start(Graphs.single("n" + i)).id());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> fast.live.size() == 20);
        assertThat(slow.live).hasSizeLessThanOrEqualTo(1);

        release.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> slow.live.size() == 20);
        assertThat(slow.snapshots).as("the history (%d events) covers it: no reset", HISTORY).hasSize(1);
        assertThat(slow.live).extracting(e -> e.event().runId()).containsExactlyElementsOf(ids);
    }

    @Test
    void observersEventsNeverPushAgentsEventsOutOfTheHistory() throws Exception {
        Repository small = createRepository(8);
        try {
            small.registerAgent(new Agent("agent-1", List.of(new AgentRuntime("debug"))), TTL);
            Recorder first = new Recorder();
            first.subscription = small.subscribe(EventFilter.all(), null, first);
            subscriptions.add(first.subscription);
            await().atMost(Duration.ofSeconds(10)).until(() -> first.snapshots.size() == 1);
            String one = small.startRun(runs.create(Graphs.single("x"))).id();
            CursoredEvent seen = awaitEvent(first, EventType.NODE_READY, one, "x");
            first.subscription.close();
            // 4 runs of one node, each started, claimed and finished: 12 NODE_STATUS, only 4 NODE_READY
            List<String> later = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String id = small.startRun(runs.create(Graphs.single("y"))).id();
                later.add(id);
                ClaimOutcome c = small.claimNode(id, "y", "agent-1", Claim.of(claimId()));
                small.finishNode(id, "y", c.claim().id(), Result.of(Conclusion.SUCCESS, "y"));
            }
            Recorder resumed = new Recorder();
            resumed.subscription = small.subscribe(EventFilter.all(), seen.cursor(), resumed);
            subscriptions.add(resumed.subscription);
            await().atMost(Duration.ofSeconds(15)).until(() -> resumed.live.size() >= 4);
            assertThat(resumed.snapshots).as("4 agents' events after the cursor fit a history of 8, whatever the"
                    + " observers' events").isEmpty();
            assertThat(resumed.live).extracting(e -> e.event().runId()).containsExactlyElementsOf(later);
        } finally {
            closeRepository(small);
        }
    }

    @Test
    void aSubscriberThatFallsBehindTheHistoryGetsAResetNotAGap() throws Exception {
        Repository small = createRepository(8);
        try {
            CountDownLatch release = new CountDownLatch(1);
            Recorder slow = blocked(small, release);
            List<String> ids = new ArrayList<>();
            ids.add(small.startRun(runs.create(Graphs.single("n0"))).id());
            await().atMost(Duration.ofSeconds(10)).until(() -> slow.blockedOn.get() != null);
            for (int i = 1; i < 20; i++) {
                ids.add(small.startRun(runs.create(Graphs.single("n" + i))).id());
            }
            Recorder fast = new Recorder();
            fast.subscription = small.subscribe(EventFilter.all(), null, fast);
            subscriptions.add(fast.subscription);
            await().atMost(Duration.ofSeconds(10)).until(() -> fast.snapshots.size() == 1);
            assertThat(fast.snapshots.get(0).events()).hasSize(20);

            release.countDown();
            await().atMost(Duration.ofSeconds(20)).until(() -> slow.snapshots.size() > 1);
            Recorder.Snapshot reset = slow.snapshots.get(slow.snapshots.size() - 1);
            assertThat(reset.reset()).as("a lost event is announced").isTrue();
            assertThat(reset.events()).extracting(Event::runId).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(slow.live.size()).as("fewer live events than were published: some were dropped").isLessThan(20);
        } finally {
            closeRepository(small);
        }
    }

    /** A subscriber of {@code repository} whose first live event blocks until {@code release}. */
    private Recorder blocked(Repository repository, CountDownLatch release) {
        Recorder slow = new Recorder() {
            @Override
            public void onEvent(CursoredEvent event) {
                blockedOn.compareAndSet(null, event);
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.onEvent(event);
            }
        };
        slow.subscription = repository.subscribe(EventFilter.all(), null, slow);
        subscriptions.add(slow.subscription);
        await().atMost(Duration.ofSeconds(10)).until(() -> !slow.snapshots.isEmpty());
        return slow;
    }

    @Test
    void startedRunIsVisibleWhole() throws Exception {
        Run run = start(Graphs.diamond(10, 20, "debug"));
        Run read = repo.inspectRun(run.id());
        assertThat(read.nodes()).hasSize(200);
        assertThat(read.edges()).hasSize(9 * 20 * 20);
        assertThat(read.createdAt()).isEqualTo(run.createdAt());
        assertThat(read.nodes().stream().filter(n -> n.status() == NodeStatus.READY)).hasSize(20);
        assertThat(repo.stats()).isEqualTo(new Stats(1, new Stats.NodeCounts(180, 20, 0, 0, 0)));
    }

    // ---- scenario bodies -----------------------------------------------------------------------------------

    private void runScenarios1To5() throws Exception {
        Recorder events = subscribe(EventFilter.all(), null);
        String happy = start(Graphs.seven()).id();
        runLayer(happy, List.of("a", "b"));
        runLayer(happy, List.of("c", "d", "f"));
        runLayer(happy, List.of("e"));
        runLayer(happy, List.of("g"));
        failedRun();
        retriedRun(events);
        exhaustedRun();
        orphanedRun(events);
    }

    private String failedRun() throws Exception {
        String id = start(Graphs.seven()).id();
        runLayer(id, List.of("a", "b"));
        runLayer(id, List.of("c", "f"));
        Node d = claimWinner(id, "d");
        finish(id, "d", d.claim().id(), Result.of(Conclusion.FAIL, "d"));
        return id;
    }

    private String retriedRun(Recorder events) throws Exception {
        String id = start(Graphs.retrying("h", "error", 2)).id();
        runLayer(id, List.of("a", "b"));
        Node h = claimWinner(id, "h");
        finish(id, "h", h.claim().id(), Result.of(Conclusion.ERROR, "boom"));
        assertThat(repo.inspectNode(id, "h").status()).isEqualTo(NodeStatus.READY);
        await().atMost(Duration.ofSeconds(10)).until(() -> readyEvents(events, id).stream().filter("h"::equals).count() == 2);
        Node again = claimWinner(id, "h");
        assertThat(again.attempts()).extracting(Result::conclusion).containsExactly(Conclusion.ERROR);
        assertThat(text(again.inputs())).isEqualTo(Map.of("a", "a"));
        finish(id, "h", again.claim().id(), Result.of(Conclusion.SUCCESS, "h"));
        assertThat(repo.inspectNode(id, "c").status()).isEqualTo(NodeStatus.READY);
        runLayer(id, List.of("c"));
        return id;
    }

    private String exhaustedRun() throws Exception {
        String id = start(Graphs.retrying("i", "fail", 2)).id();
        runLayer(id, List.of("a", "b"));
        Node i = claimWinner(id, "i");
        finish(id, "i", i.claim().id(), Result.of(Conclusion.FAIL, "1"));
        Node again = claimWinner(id, "i");
        finish(id, "i", again.claim().id(), Result.of(Conclusion.FAIL, "2"));
        return id;
    }

    private String orphanedRun(Recorder events) throws Exception {
        String id = start(Graphs.single("a")).id();
        agent("doomed");
        claimWinner(id, "a", "doomed");
        forceLeaseExpiry("doomed");
        awaitEvent(events, EventType.NODE_ORPHANED, id, "a");
        Node orphan = repo.inspectNode(id, "a");
        assertThat(orphan.status()).isEqualTo(NodeStatus.NONE);
        Node reclaimed = claimWinner(id, "a", "agent-2");
        assertThat(reclaimed.attempts()).isEmpty();
        finish(id, "a", reclaimed.claim().id(), Result.of(Conclusion.ERROR, "node was orphaned"));
        return id;
    }

    // ---- a node that runs whatever happened upstream ---------------------------------------------------------

    /**
     * work → mid → cleanup (all_done) → after: work fails for good; mid is skipped, cleanup runs anyway (without
     * an input: nothing upstream succeeded) and after follows it; the run still FAILED.
     */
    @Test
    void aCleanUpNodeRunsAfterAFailureUpstreamAndItsDependentsFollowIt() throws Exception {
        agent("agent-1");
        Recorder events = subscribe(EventFilter.all(), null);
        GraphSpec g = new GraphSpec(List.of(NodeSpec.of("work", "debug"), NodeSpec.of("mid", "debug"),
                new NodeSpec("cleanup", "debug", Map.of(), Map.of(), NodeSpec.ALL_DONE), NodeSpec.of("after", "debug")),
                List.of(new Edge("work", "mid"), new Edge("mid", "cleanup"), new Edge("cleanup", "after")));
        String id = start(g).id();
        Node work = claimWinner(id, "work");
        finish(id, "work", work.claim().id(), Result.of(Conclusion.FAIL, "broken"));
        assertThat(repo.inspectNode(id, "mid").skipped()).isTrue();
        Node cleanupReady = repo.inspectNode(id, "cleanup");
        assertThat(cleanupReady.status()).isEqualTo(NodeStatus.READY);
        assertThat(cleanupReady.inputs()).as("nothing upstream succeeded").isEmpty();
        awaitReady(events, id, "work", "cleanup");
        Node cleanup = claimWinner(id, "cleanup");
        finish(id, "cleanup", cleanup.claim().id(), Result.of(Conclusion.SUCCESS, "tidied"));
        Node after = claimWinner(id, "after");
        assertThat(text(after.inputs())).isEqualTo(Map.of("cleanup", "tidied"));
        finish(id, "after", after.claim().id(), Result.of(Conclusion.SUCCESS, "after"));
        Run run = repo.inspectRun(id);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.outcome()).as("a node failed for good").isEqualTo(RunOutcome.FAILED);
        assertThat(run.node("cleanup").spec().trigger()).isEqualTo(NodeSpec.ALL_DONE);
        assertThat(run.node("cleanup").attempts()).extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS);
    }

    // ---- completing a node by hand ---------------------------------------------------------------------------

    @Test
    void aPersonCompletesANodeNoAgentHoldsAndItsDependentsProceed() throws Exception {
        agent("agent-1");
        Recorder events = subscribe(EventFilter.all(), null);
        String id = start(Graphs.chain(3, "debug")).id();
        Finished byHand = repo.completeByHand(id, "n1", "by hand".getBytes(StandardCharsets.UTF_8));
        assertThat(byHand.repeated()).isFalse();
        assertThat(byHand.runCompleted()).isFalse();
        Node n1 = byHand.node();
        Finished again = repo.completeByHand(id, "n1", "by hand".getBytes(StandardCharsets.UTF_8));
        assertThat(again.repeated()).as("the same completion again: its answer had been lost").isTrue();
        assertThat(again.node().attempts()).isEqualTo(n1.attempts());
        assertThat(n1.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(n1.skipped()).as("not the skip of a failed upstream").isFalse();
        assertThat(n1.lastAttempt().conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(n1.lastAttempt().metadata()).containsKey("adagio.completed_by_hand");
        awaitReady(events, id, "n0", "n2");
        Node n2 = claimWinner(id, "n2");
        assertThat(text(n2.inputs())).isEqualTo(Map.of("n1", "by hand"));
        assertThatThrownBy(() -> repo.completeByHand(id, "n2", null)).as("an agent holds it")
                .isInstanceOf(NodeNotSkippableException.class);
        assertThatThrownBy(() -> repo.completeByHand(id, "n1", null)).as("completed, with another output")
                .isInstanceOf(NodeNotSkippableException.class);
        Node n0 = claimWinner(id, "n0");
        finish(id, "n0", n0.claim().id(), Result.of(Conclusion.SUCCESS, "late"));
        assertThat(repo.inspectNode(id, "n1").attempts()).as("n0's output reaches a completed node: no change")
                .hasSize(1);
        finish(id, "n2", n2.claim().id(), Result.of(Conclusion.SUCCESS, "n2"));
        assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
    }

    /** n0 → n1 → n2: n1 completed by hand, n2 claimed; then n0 fails for good: n2's agent keeps its work. */
    @Test
    void aFailureUpstreamOfANodeCompletedByHandLeavesTheWorkAfterItToItsAgent() throws Exception {
        agent("agent-1");
        String id = start(Graphs.chain(3, "debug")).id();
        repo.completeByHand(id, "n1", "fixed".getBytes(StandardCharsets.UTF_8));
        Node n2 = claimWinner(id, "n2");
        Node n0 = claimWinner(id, "n0");
        finish(id, "n0", n0.claim().id(), Result.of(Conclusion.FAIL, "broken"));
        assertThat(repo.inspectNode(id, "n2").status()).as("not skipped under its agent").isEqualTo(NodeStatus.RUNNING);
        finish(id, "n2", n2.claim().id(), Result.of(Conclusion.SUCCESS, "n2"));
        Run run = repo.inspectRun(id);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.outcome()).isEqualTo(RunOutcome.FAILED);
        assertThat(run.node("n2").attempts()).extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS);
    }

    @Test
    void anOrphanedNodeCanBeCompletedByHand() throws Exception {
        agent("agent-1");
        String id = start(Graphs.single("a")).id();
        claimWinner(id, "a");
        forceLeaseExpiry("agent-1");
        await().atMost(Duration.ofSeconds(10)).until(() -> repo.inspectNode(id, "a").status() == NodeStatus.NONE);
        Finished done = repo.completeByHand(id, "a", null);
        assertThat(done.node().status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(done.runCompleted()).as("its last node").isTrue();
        assertThat(repo.isRunCompleted(id)).isTrue();
    }

    /** A claim and a completion by hand at once on a READY node, twenty times: exactly one of them wins each time. */
    @Test
    void aClaimAndACompletionByHandRacingLeaveOneWinner() throws Exception {
        agent("agent-1");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 20; i++) {
                String id = start(Graphs.single("a")).id();
                CountDownLatch go = new CountDownLatch(1);
                Future<Boolean> claimed = pool.submit(() -> {
                    go.await();
                    return claim(id, "a", "agent-1").claimed();
                });
                Future<Boolean> byHand = pool.submit(() -> {
                    go.await();
                    try {
                        repo.completeByHand(id, "a", null);
                        return true;
                    } catch (NodeNotSkippableException e) {
                        return false;
                    }
                });
                go.countDown();
                boolean c = claimed.get(30, TimeUnit.SECONDS);
                boolean h = byHand.get(30, TimeUnit.SECONDS);
                assertThat(c ^ h).as("run %d: claimed %s, completed by hand %s", i, c, h).isTrue();
                Node a = repo.inspectNode(id, "a");
                assertThat(a.status()).isEqualTo(c ? NodeStatus.RUNNING : NodeStatus.COMPLETED);
                assertThat(a.attempts()).hasSize(c ? 0 : 1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- cancelling runs ------------------------------------------------------------------------------------

    /**
     * a → c, b: a RUNNING, b READY, c WAITING. The cancel completes b and c as cancelled at once and tells a's
     * holder (NODE_CANCELLED naming it); a's finish in the grace counts, passes nothing on, ends the run CANCELLED.
     */
    @Test
    void aCancelEndsWhatIsNotRunningAndTellsTheHolderOfWhatIs() throws Exception {
        agent("agent-1");
        Recorder events = subscribe(EventFilter.all(), null);
        GraphSpec graph = new GraphSpec(List.of(NodeSpec.of("a", "debug"), NodeSpec.of("b", "debug"),
                NodeSpec.of("c", "debug")), List.of(new io.adagio.model.Edge("a", "c")));
        String id = start(graph).id();
        Node a = claimWinner(id, "a");

        Run cancelled = repo.cancelRun(id, Duration.ofSeconds(30));
        assertThat(cancelled.outcome()).isEqualTo(RunOutcome.CANCELLED);
        assertThat(cancelled.status()).as("a still runs").isEqualTo(RunStatus.RUNNING);
        for (String name : List.of("b", "c")) {
            Node n = cancelled.node(name);
            assertThat(n.status()).as(name).isEqualTo(NodeStatus.COMPLETED);
            assertThat(n.cancelled()).as(name).isTrue();
            assertThat(n.skipped()).as("not the skip of a failure").isFalse();
            assertThat(n.attempts()).as(name).isEmpty();
            assertThat(n.finishedAt()).isNotNull();
        }
        assertThat(cancelled.node("a").status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(cancelled.node("a").cancelled()).isTrue();
        CursoredEvent told = awaitEvent(events, EventType.NODE_CANCELLED, id, "a");
        assertThat(told.event().agentId()).as("names the holder").isEqualTo("agent-1");
        assertThat(told.event().claimId()).as("and its claim").isEqualTo(a.claim().id());
        assertThat(claim(id, "b", "agent-1").claimed()).as("nothing is claimed any more").isFalse();
        assertThat(repo.claimReady("agent-1", 10, () -> Claim.of(claimId()))).isEmpty();
        assertThatThrownBy(() -> repo.completeByHand(id, "c", null)).isInstanceOf(NodeNotSkippableException.class);

        Finished done = repo.finishNode(id, "a", a.claim().id(), Result.of(Conclusion.SUCCESS, "a"), Dispatch.NONE);
        assertThat(done.runCompleted()).as("its last node").isTrue();
        Run after = repo.inspectRun(id);
        assertThat(after.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(after.outcome()).isEqualTo(RunOutcome.CANCELLED);
        assertThat(after.node("a").lastAttempt().conclusion()).as("its work counted").isEqualTo(Conclusion.SUCCESS);
        assertThat(after.node("c").status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(after.node("c").attempts()).isEmpty();
        assertThat(events.all()).filteredOn(e -> e.type() == EventType.NODE_CANCELLED).as("told once").hasSize(1);
        assertThat(readyEvents(events, id)).as("nothing offered after the cancel").containsExactlyInAnyOrder("a", "b");
    }

    /** A stream opened after the cancel (a holder that lost its stream, reconnecting) is told in its current set. */
    @Test
    void aStreamOpenedAfterTheCancelIsToldInItsCurrentSet() throws Exception {
        agent("agent-1");
        String id = start(Graphs.chain(2, "debug")).id();
        Node n0 = claimWinner(id, "n0");
        repo.cancelRun(id, Duration.ofSeconds(30));
        Recorder late = subscribe(EventFilter.all(), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> !late.snapshots.isEmpty());
        assertThat(late.snapshots.get(0).events()).filteredOn(e -> e.type() == EventType.NODE_CANCELLED)
                .singleElement().satisfies(e -> {
                    assertThat(e.runId()).isEqualTo(id);
                    assertThat(e.nodeSpec().name()).isEqualTo("n0");
                    assertThat(e.agentId()).isEqualTo("agent-1");
                });
        Recorder readyOnly = subscribe(new EventFilter(Set.of(EventType.NODE_READY), Set.of()), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> !readyOnly.snapshots.isEmpty());
        assertThat(readyOnly.snapshots.get(0).events()).as("filtered by type").isEmpty();
        finish(id, "n0", n0.claim().id(), Result.of(Conclusion.SUCCESS, "n0"));
        Recorder after = subscribe(EventFilter.all(), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> !after.snapshots.isEmpty());
        assertThat(after.snapshots.get(0).events()).as("its node finished: nothing left to stop")
                .noneMatch(e -> e.type() == EventType.NODE_CANCELLED);
    }

    /** An agent holding nodes of a cancelled run hears of them in its finishes' answers and when it asks. */
    @Test
    void anAgentIsToldOfItsCancelledClaimsInItsAnswers() throws Exception {
        agent("agent-1");
        agent("agent-2");
        String cancelled = start(Graphs.single("n")).id();
        String other = start(Graphs.single("x")).id();
        Node n = claimWinner(cancelled, "n");
        Node x = claimWinner(other, "x");
        claimWinner(start(Graphs.single("y")).id(), "y", "agent-2");
        repo.cancelRun(cancelled, Duration.ofSeconds(30));
        CancelledClaim expected = new CancelledClaim(cancelled, "n", n.claim().id());
        assertThat(repo.cancelledFor("agent-1")).containsExactly(expected);
        assertThat(repo.cancelledFor("agent-2")).isEmpty();
        Finished f = repo.finishNode(other, "x", x.claim().id(), Result.of(Conclusion.SUCCESS, "x"),
                new Dispatch("agent-1", 0, () -> claimId()));
        assertThat(f.cancelled()).as("in the finish's answer").containsExactly(expected);
        finish(cancelled, "n", n.claim().id(), Result.of(Conclusion.ERROR, "stopped"));
        assertThat(repo.cancelledFor("agent-1")).as("stopped: nothing left to tell").isEmpty();
    }

    @Test
    void aFailureInTheGraceIsNotRetried() throws Exception {
        agent("agent-1");
        String id = start(Graphs.retrying("x", "error", 5)).id();
        Node a = claimWinner(id, "a");
        finish(id, "a", a.claim().id(), Result.of(Conclusion.SUCCESS, "a"));
        Node x = claimWinner(id, "x");
        repo.cancelRun(id, Duration.ofSeconds(30));
        Node after = finish(id, "x", x.claim().id(), Result.of(Conclusion.ERROR, "stopped"));
        assertThat(after.status()).as("not READY again: the run is cancelled").isEqualTo(NodeStatus.COMPLETED);
        assertThat(after.cancelled()).isTrue();
        Run run = repo.inspectRun(id);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.outcome()).as("cancelled, not failed").isEqualTo(RunOutcome.CANCELLED);
        assertThat(run.node("c").skipped()).isFalse();
        assertThat(run.node("c").cancelled()).isTrue();
    }

    @Test
    void whatStillRunsWhenTheGraceEndsIsFencedOff() throws Exception {
        agent("agent-1");
        String id = start(Graphs.chain(2, "debug")).id();
        Node n0 = claimWinner(id, "n0");
        repo.cancelRun(id, Duration.ofSeconds(10));
        assertThat(repo.inspectNode(id, "n0").status()).isEqualTo(NodeStatus.RUNNING);
        letTimePass(Duration.ofSeconds(10).plusMillis(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> repo.isRunCompleted(id));
        Node fenced = repo.inspectNode(id, "n0");
        assertThat(fenced.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(fenced.cancelled()).isTrue();
        assertThat(fenced.attempts()).as("recorded cancelled, not as a failure").isEmpty();
        assertThatThrownBy(() -> finish(id, "n0", n0.claim().id(), Result.of(Conclusion.SUCCESS, "too late")))
                .isInstanceOf(StaleClaimException.class);
        assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.CANCELLED);
        assertThat(repo.stats().nodeCounts().running()).isZero();
    }

    @Test
    void aCancelWithoutGraceTerminatesAtOnce() throws Exception {
        agent("agent-1");
        String id = start(Graphs.seven()).id();
        Node a = claimWinner(id, "a");
        Run run = repo.cancelRun(id, Duration.ZERO);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.outcome()).isEqualTo(RunOutcome.CANCELLED);
        assertThat(run.nodes()).allSatisfy(n -> {
            assertThat(n.cancelled()).as(n.name()).isTrue();
            assertThat(n.attempts()).as(n.name()).isEmpty();
        });
        assertThat(repo.isRunCompleted(id)).isTrue();
        assertThatThrownBy(() -> finish(id, "a", a.claim().id(), Result.of(Conclusion.SUCCESS, "a")))
                .isInstanceOf(StaleClaimException.class);
        repo.deleteRun(id);
        assertThatThrownBy(() -> repo.inspectRun(id)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void cancellingAgainAnswersTheRunAndARunThatEndedOtherwiseIsNotCancelled() throws Exception {
        agent("agent-1");
        String id = start(Graphs.chain(2, "debug")).id();
        claimWinner(id, "n0");
        repo.cancelRun(id, Duration.ofSeconds(30));
        Run again = repo.cancelRun(id, Duration.ofSeconds(30));
        assertThat(again.outcome()).isEqualTo(RunOutcome.CANCELLED);
        assertThat(again.node("n0").status()).isEqualTo(NodeStatus.RUNNING);
        Run terminated = repo.cancelRun(id, Duration.ZERO);
        assertThat(terminated.status()).as("a shorter grace given again applies").isEqualTo(RunStatus.COMPLETED);
        assertThat(repo.cancelRun(id, Duration.ZERO).outcome()).as("a cancelled run, cancelled again")
                .isEqualTo(RunOutcome.CANCELLED);

        String succeeded = start(Graphs.single("a")).id();
        Node a = claimWinner(succeeded, "a");
        finish(succeeded, "a", a.claim().id(), Result.of(Conclusion.SUCCESS, "a"));
        assertThatThrownBy(() -> repo.cancelRun(succeeded, Duration.ZERO)).isInstanceOf(RunEndedException.class)
                .satisfies(e -> assertThat(((RunEndedException) e).outcome()).isEqualTo(RunOutcome.SUCCEEDED));
        String failed = failedRun();
        assertThatThrownBy(() -> repo.cancelRun(failed, Duration.ZERO)).isInstanceOf(RunEndedException.class)
                .satisfies(e -> assertThat(((RunEndedException) e).outcome()).isEqualTo(RunOutcome.FAILED));
        assertThat(repo.inspectRun(succeeded).outcome()).as("nothing changed").isEqualTo(RunOutcome.SUCCEEDED);
        assertThatThrownBy(() -> repo.cancelRun("01ARZ3NDEKTSV4RRFFQ69G5FAV", Duration.ZERO))
                .isInstanceOf(NotFoundException.class);
    }

    /**
     * A finish and a terminating cancel at once, twenty times: the finish counts whole or is fenced off whole, the
     * child is never offered or claimed, and the run ends CANCELLED with nothing left RUNNING.
     */
    @Test
    void aCancelRacingAFinishLosesNothingAndRunsNothingTwice() throws Exception {
        agent("agent-1");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 20; i++) {
                String id = start(Graphs.chain(2, "debug")).id();
                Node n0 = claimWinner(id, "n0");
                CountDownLatch go = new CountDownLatch(1);
                Future<Boolean> finished = pool.submit(() -> {
                    go.await();
                    try {
                        repo.finishNode(id, "n0", n0.claim().id(), Result.of(Conclusion.SUCCESS, "n0"), Dispatch.NONE);
                        return true;
                    } catch (StaleClaimException e) {
                        return false;
                    }
                });
                Future<Run> cancelled = pool.submit(() -> {
                    go.await();
                    return repo.cancelRun(id, Duration.ZERO);
                });
                go.countDown();
                boolean f = finished.get(30, TimeUnit.SECONDS);
                cancelled.get(30, TimeUnit.SECONDS);
                Run run = repo.inspectRun(id);
                assertThat(run.status()).as("run %d", i).isEqualTo(RunStatus.COMPLETED);
                assertThat(run.outcome()).as("run %d", i).isEqualTo(RunOutcome.CANCELLED);
                assertThat(run.node("n0").attempts()).as("run %d: finished %s", i, f).hasSize(f ? 1 : 0);
                assertThat(run.node("n1").attempts()).as("run %d: never run", i).isEmpty();
                assertThat(run.node("n1").cancelled()).isTrue();
            }
            assertThat(repo.claimReady("agent-1", 100, () -> Claim.of(claimId()))).isEmpty();
            assertThat(repo.stats().nodeCounts().running()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- pausing runs ---------------------------------------------------------------------------------------

    /**
     * The seven-node graph, a RUNNING, b READY: paused, nothing is claimed or offered (b waits, and c, which a's
     * finish would make READY, waits too) while a finishes normally; resumed, b and c are READY and announced.
     */
    @Test
    void aPausedRunOffersNothingUntilItIsResumed() throws Exception {
        agent("agent-1");
        Recorder events = subscribe(EventFilter.all(), null);
        String id = start(Graphs.seven()).id();
        awaitReady(events, id, "a", "b");
        Node a = claimWinner(id, "a");

        Run paused = repo.pauseRun(id);
        assertThat(paused.paused()).isTrue();
        assertThat(paused.node("b").status()).as("withheld").isEqualTo(NodeStatus.WAITING);
        assertThat(paused.node("b").paused()).isTrue();
        assertThat(paused.node("a").status()).isEqualTo(NodeStatus.RUNNING);
        assertThatThrownBy(() -> claim(id, "b", "agent-1")).isInstanceOf(RunPausedException.class);
        assertThat(repo.claimReady("agent-1", 10, () -> Claim.of(claimId()))).isEmpty();
        assertThat(repo.stats().nodeCounts().ready()).isZero();

        Node finished = finish(id, "a", a.claim().id(), Result.of(Conclusion.SUCCESS, "a"));
        assertThat(finished.status()).as("a running node finishes normally").isEqualTo(NodeStatus.COMPLETED);
        assertThat(finished.paused()).isFalse();
        Node c = repo.inspectNode(id, "c");
        assertThat(c.status()).as("has its input, waits for the resume").isEqualTo(NodeStatus.WAITING);
        assertThat(text(c.inputs())).isEqualTo(Map.of("a", "a"));
        assertThat(repo.inspectRun(id).paused()).isTrue();

        Run resumed = repo.resumeRun(id);
        assertThat(resumed.paused()).isFalse();
        assertThat(resumed.nodes()).noneMatch(Node::paused);
        assertThat(resumed.node("b").status()).isEqualTo(NodeStatus.READY);
        assertThat(resumed.node("c").status()).isEqualTo(NodeStatus.READY);
        assertThat(resumed.node("d").status()).as("still waits for b").isEqualTo(NodeStatus.WAITING);
        awaitReady(events, id, "a", "b", "b", "c"); // c once: not offered while paused
        runLayer(id, List.of("b", "c"));
        runLayer(id, List.of("d", "f"));
        runLayer(id, List.of("e"));
        runLayer(id, List.of("g"));
        assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
    }

    @Test
    void aRetryInAPausedRunWaitsForTheResume() throws Exception {
        agent("agent-1");
        String id = start(Graphs.retrying("x", "error", 3)).id();
        Node a = claimWinner(id, "a");
        finish(id, "a", a.claim().id(), Result.of(Conclusion.SUCCESS, "a"));
        Node x = claimWinner(id, "x");
        repo.pauseRun(id);
        Node retried = finish(id, "x", x.claim().id(), Result.of(Conclusion.ERROR, "flaky"));
        assertThat(retried.status()).as("not READY while paused").isEqualTo(NodeStatus.WAITING);
        assertThat(retried.paused()).isTrue();
        assertThatThrownBy(() -> claim(id, "x", "agent-1")).isInstanceOf(RunPausedException.class);
        assertThat(repo.resumeRun(id).node("x").status()).isEqualTo(NodeStatus.READY);
        Node again = claimWinner(id, "x");
        assertThat(again.attempts()).hasSize(1);
    }

    @Test
    void pausingAgainChangesNothingAndACompletedRunIsNotPaused() throws Exception {
        agent("agent-1");
        String id = start(Graphs.chain(2, "debug")).id();
        repo.pauseRun(id);
        Run twice = repo.pauseRun(id);
        assertThat(twice.paused()).isTrue();
        assertThat(twice.node("n0").status()).isEqualTo(NodeStatus.WAITING);
        assertThat(repo.resumeRun(id).node("n0").status()).isEqualTo(NodeStatus.READY);
        Run again = repo.resumeRun(id);
        assertThat(again.paused()).as("resuming a run not paused").isFalse();
        assertThat(again.node("n0").status()).isEqualTo(NodeStatus.READY);

        repo.pauseRun(id);
        Run cancelled = repo.cancelRun(id, Duration.ZERO);
        assertThat(cancelled.status()).as("a paused run can be cancelled").isEqualTo(RunStatus.COMPLETED);
        assertThat(cancelled.paused()).isFalse();
        assertThatThrownBy(() -> repo.pauseRun(id)).isInstanceOf(RunEndedException.class);
        assertThatThrownBy(() -> repo.pauseRun("01ARZ3NDEKTSV4RRFFQ69G5FAV")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> repo.resumeRun("01ARZ3NDEKTSV4RRFFQ69G5FAV")).isInstanceOf(NotFoundException.class);
    }

    /** A finish and a pause at once, twenty times: the child waits either way, and is READY once resumed. */
    @Test
    void aPauseRacingAFinishHoldsTheChildEitherWay() throws Exception {
        agent("agent-1");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 20; i++) {
                String id = start(Graphs.chain(2, "debug")).id();
                Node n0 = claimWinner(id, "n0");
                CountDownLatch go = new CountDownLatch(1);
                Future<Node> finished = pool.submit(() -> {
                    go.await();
                    return finish(id, "n0", n0.claim().id(), Result.of(Conclusion.SUCCESS, "n0"));
                });
                Future<Run> paused = pool.submit(() -> {
                    go.await();
                    return repo.pauseRun(id);
                });
                go.countDown();
                finished.get(30, TimeUnit.SECONDS);
                paused.get(30, TimeUnit.SECONDS);
                Node n1 = repo.inspectNode(id, "n1");
                assertThat(n1.status()).as("run %d", i).isEqualTo(NodeStatus.WAITING);
                assertThat(n1.paused()).as("run %d", i).isTrue();
                assertThat(repo.inspectNode(id, "n0").attempts()).hasSize(1);
                assertThat(repo.claimReady("agent-1", 10, () -> Claim.of(claimId()))).as("run %d", i).isEmpty();
                assertThat(repo.resumeRun(id).node("n1").status()).as("run %d", i).isEqualTo(NodeStatus.READY);
                Node n1run = claimWinner(id, "n1");
                finish(id, "n1", n1run.claim().id(), Result.of(Conclusion.SUCCESS, "n1"));
                assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- retrying runs in place -------------------------------------------------------------------------------

    /** The seven-node graph, d failed (e, g skipped): retried, the same run runs d, e and g, and succeeds. */
    @Test
    void aFailedRunRetriedInPlaceRunsItsFailedAndSkippedNodesAgain() throws Exception {
        agent("agent-1");
        Recorder events = subscribe(EventFilter.all(), null);
        String id = failedRun();
        Run retried = repo.retryRun(id, List.of());
        assertThat(retried.id()).isEqualTo(id);
        assertThat(retried.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(retried.outcome()).as("decided again").isNull();
        Node d = retried.node("d");
        assertThat(d.status()).isEqualTo(NodeStatus.READY);
        assertThat(d.attempts()).as("kept").extracting(Result::conclusion).containsExactly(Conclusion.FAIL);
        assertThat(d.retryFrom()).isEqualTo(1);
        assertThat(text(d.inputs())).isEqualTo(Map.of("a", "a", "b", "b"));
        for (String skipped : List.of("e", "g")) {
            assertThat(retried.node(skipped).status()).as(skipped).isEqualTo(NodeStatus.WAITING);
            assertThat(retried.node(skipped).skipped()).isFalse();
        }
        assertThat(retried.node("c").attempts()).as("what succeeded stands").hasSize(1);
        awaitReady(events, id, "a", "b", "c", "d", "f", "d");
        runLayer(id, List.of("d"));
        runLayer(id, List.of("e"));
        runLayer(id, List.of("g"));
        Run done = repo.inspectRun(id);
        assertThat(done.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(done.node("d").attempts()).extracting(Result::conclusion).containsExactly(Conclusion.FAIL, Conclusion.SUCCESS);
        assertThat(text(done.node("g").inputs())).isEqualTo(Map.of("e", "e", "f", "f"));
    }

    @Test
    void theRetryBudgetCountsAgainFromAManualRetry() throws Exception {
        agent("agent-1");
        String id = start(Graphs.retrying("x", "error", 2)).id();
        runLayer(id, List.of("a", "b"));
        for (int i = 0; i < 2; i++) {
            Node x = claimWinner(id, "x");
            finish(id, "x", x.claim().id(), Result.of(Conclusion.ERROR, "flaky"));
        }
        assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.FAILED);
        repo.retryRun(id, List.of());
        Node again = claimWinner(id, "x");
        assertThat(finish(id, "x", again.claim().id(), Result.of(Conclusion.ERROR, "flaky")).status())
                .as("one more attempt allowed by its rule after the retry").isEqualTo(NodeStatus.READY);
        Node last = claimWinner(id, "x");
        assertThat(finish(id, "x", last.claim().id(), Result.of(Conclusion.ERROR, "flaky")).status())
                .isEqualTo(NodeStatus.COMPLETED);
        assertThat(repo.inspectNode(id, "x").attempts()).hasSize(4);
        assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.FAILED);
    }

    /**
     * n0 → n1 → n2, cancelled while n0 runs; n0 finishes SUCCESS in the grace. Retried, n1 gets n0's output (which
     * the cancel kept from being passed on), the run's outcome is decided again, and the cancel's grace ending
     * later ends nothing.
     */
    @Test
    void aCancelledRunRetriedComesBackAndItsCancelIsForgotten() throws Exception {
        agent("agent-1");
        String id = start(Graphs.chain(3, "debug")).id();
        Node n0 = claimWinner(id, "n0");
        repo.cancelRun(id, Duration.ofSeconds(30));
        finish(id, "n0", n0.claim().id(), Result.of(Conclusion.SUCCESS, "n0"));
        assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.CANCELLED);

        Run retried = repo.retryRun(id, null);
        assertThat(retried.outcome()).isNull();
        assertThat(retried.nodes()).noneMatch(Node::cancelled);
        assertThat(retried.node("n0").status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(retried.node("n1").status()).isEqualTo(NodeStatus.READY);
        assertThat(text(retried.node("n1").inputs())).isEqualTo(Map.of("n0", "n0"));
        letTimePass(Duration.ofSeconds(31));
        assertThat(repo.inspectNode(id, "n1").status()).as("the old cancel ends nothing").isEqualTo(NodeStatus.READY);
        agent("agent-1"); // its lease ran out with the time that passed
        runLayer(id, List.of("n1"));
        runLayer(id, List.of("n2"));
        assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
    }

    /** Two nodes of a cancelled run retried one after the other: the first retry does not block the second. */
    @Test
    void theNodesOfACancelledRunAreRetriedOneAfterAnother() throws Exception {
        GraphSpec graph = new GraphSpec(List.of(NodeSpec.of("a", "debug"), NodeSpec.of("b", "debug")), List.of());
        String id = start(graph).id();
        repo.cancelRun(id, Duration.ZERO);
        assertThat(repo.retryRun(id, List.of("a")).node("a").status()).isEqualTo(NodeStatus.READY);
        Run both = repo.retryRun(id, List.of("b"));
        assertThat(both.node("b").status()).isEqualTo(NodeStatus.READY);
        assertThat(both.nodes()).noneMatch(Node::cancelled);
    }

    /**
     * A node retried by hand again and again, each attempt failing with 700 KB of output: it keeps its latest
     * output and drops the older ones past its budget (marked so), so its stored value stays within etcd's limits
     * and every finish is taken.
     */
    @Test
    void aNodeRetriedByHandKeepsItsOutputsWithinItsBudget() throws Exception {
        agent("agent-1");
        String id = start(Graphs.single("x")).id();
        byte[] big = new byte[700 * 1024];
        java.util.Arrays.fill(big, (byte) 'f');
        for (int i = 0; i < 4; i++) {
            Node x = claimWinner(id, "x");
            big[0] = (byte) ('0' + i);
            finish(id, "x", x.claim().id(), new Result(Conclusion.FAIL, Map.of(), big.clone()));
            if (i < 3) {
                repo.retryRun(id, List.of("x"));
            }
        }
        Node x = repo.inspectNode(id, "x");
        assertThat(x.attempts()).hasSize(4);
        assertThat(x.lastAttempt().output()).as("the latest output is kept whole").hasSize(big.length)
                .startsWith((byte) '3');
        long kept = x.attempts().stream().mapToLong(a -> a.output() == null ? 0 : a.output().length).sum();
        assertThat(kept).isLessThanOrEqualTo(Node.OUTPUT_BUDGET);
        assertThat(x.attempts().subList(0, 3)).allSatisfy(a -> {
            assertThat(a.conclusion()).isEqualTo(Conclusion.FAIL);
            assertThat(a.metadata()).containsKey(Result.OUTPUT_DROPPED);
        });
    }

    /** a → b, c: b failed while c still runs; b alone is retried in the running run. */
    @Test
    void aFailedNodeIsRetriedInARunStillRunningAndOnlyWhatFailedCanBe() throws Exception {
        agent("agent-1");
        GraphSpec graph = new GraphSpec(List.of(NodeSpec.of("a", "debug"), NodeSpec.of("b", "debug"),
                NodeSpec.of("c", "debug")), List.of(new io.adagio.model.Edge("a", "b")));
        String id = start(graph).id();
        runLayer(id, List.of("a"));
        Node b = claimWinner(id, "b");
        claimWinner(id, "c");
        finish(id, "b", b.claim().id(), Result.of(Conclusion.FAIL, "b"));
        assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.FAILED);

        assertThatThrownBy(() -> repo.retryRun(id, List.of())).as("the run has not ended")
                .isInstanceOf(Retrying.RefusedException.class)
                .satisfies(e -> assertThat(((Retrying.RefusedException) e).refusal()).isEqualTo(Retrying.Refusal.RUN_NOT_RETRYABLE));
        assertThatThrownBy(() -> repo.retryRun(id, List.of("b", "c"))).as("c has not failed")
                .isInstanceOf(Retrying.RefusedException.class)
                .satisfies(e -> assertThat(((Retrying.RefusedException) e).node()).isEqualTo("c"));
        assertThat(repo.inspectNode(id, "b").status()).as("nothing changed").isEqualTo(NodeStatus.COMPLETED);
        assertThatThrownBy(() -> repo.retryRun(id, List.of("zz"))).isInstanceOf(NotFoundException.class);

        Run retried = repo.retryRun(id, List.of("b"));
        assertThat(retried.node("b").status()).isEqualTo(NodeStatus.READY);
        assertThat(retried.node("c").status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(retried.outcome()).isNull();
        runLayer(id, List.of("b"));
        String succeeded = start(Graphs.single("s")).id();
        runLayer(succeeded, List.of("s"));
        assertThatThrownBy(() -> repo.retryRun(succeeded, null)).isInstanceOf(Retrying.RefusedException.class);
        assertThatThrownBy(() -> repo.retryRun("01ARZ3NDEKTSV4RRFFQ69G5FAV", null)).isInstanceOf(NotFoundException.class);
    }

    // ---- timeouts and backoffs ------------------------------------------------------------------------------

    /**
     * A node with {@code "timeout": "10s"} and one retry on error: past its deadline it is finished ERROR "timed
     * out" (its holder told, its late finish stale), retried, and the second time out is final.
     */
    @Test
    void aNodePastItsTimeoutIsFinishedErrorTimedOutAndItsRetryRulesApply() throws Exception {
        agent("agent-1");
        Recorder events = subscribe(EventFilter.all(), null);
        NodeSpec slow = new NodeSpec("slow", "debug", Map.of(), Map.of("error", new RetryRule(2)), null, "10s");
        String id = start(new GraphSpec(List.of(slow), List.of())).id();
        Node first = claimWinner(id, "slow");
        letTimePass(Duration.ofSeconds(5));
        assertThat(repo.inspectNode(id, "slow").status()).as("not due yet").isEqualTo(NodeStatus.RUNNING);
        letTimePass(Duration.ofSeconds(5).plusMillis(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> repo.inspectNode(id, "slow").status() == NodeStatus.READY);
        Node retried = repo.inspectNode(id, "slow");
        assertThat(retried.attempts()).singleElement().satisfies(a -> {
            assertThat(a.conclusion()).isEqualTo(Conclusion.ERROR);
            assertThat(new String(a.output(), StandardCharsets.UTF_8)).isEqualTo("timed out after 10s");
            assertThat(a.metadata()).containsKey(Timers.TIMED_OUT);
        });
        CursoredEvent told = awaitEvent(events, EventType.NODE_CANCELLED, id, "slow");
        assertThat(told.event().agentId()).as("its holder is told to stop it").isEqualTo("agent-1");
        assertThat(told.event().claimId()).as("that claim").isEqualTo(first.claim().id());
        assertThatThrownBy(() -> finish(id, "slow", first.claim().id(), Result.of(Conclusion.SUCCESS, "late")))
                .isInstanceOf(StaleClaimException.class);
        letTimePass(Duration.ofSeconds(10)); // nothing is due for a READY node
        assertThat(repo.inspectNode(id, "slow").attempts()).as("timed out once").hasSize(1);

        agent("agent-1"); // a fresh lease: 20 s of its 30 s passed
        claimWinner(id, "slow");
        letTimePass(Duration.ofSeconds(10).plusMillis(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> repo.isRunCompleted(id));
        assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.FAILED);
        assertThat(repo.inspectNode(id, "slow").attempts()).hasSize(2);
    }

    @Test
    void aNodeFinishedInTimeIsNotTimedOut() throws Exception {
        agent("agent-1");
        NodeSpec quick = new NodeSpec("quick", "debug", Map.of(), Map.of(), null, "10s");
        String id = start(new GraphSpec(List.of(quick), List.of())).id();
        Node n = claimWinner(id, "quick");
        finish(id, "quick", n.claim().id(), Result.of(Conclusion.SUCCESS, "ok"));
        letTimePass(Duration.ofSeconds(11));
        assertThat(repo.inspectNode(id, "quick").attempts()).extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS);
        assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
    }

    /**
     * Retries on error with a backoff of 10 s, doubling, spread by up to half: each retry waits, WAITING with the
     * time it becomes READY, within its jitter bounds; then it is READY and announced.
     */
    @Test
    void aRetryWithABackoffWaitsVisiblyWithinItsJitterBounds() throws Exception {
        agent("agent-1");
        Recorder events = subscribe(EventFilter.all(), null);
        RetryRule rule = new RetryRule(3, new RetryRule.Backoff("10s", 2.0, "1m", 0.5));
        String id = start(new GraphSpec(List.of(new NodeSpec("x", "debug", Map.of(), Map.of("error", rule))), List.of())).id();
        for (int retry = 1; retry <= 2; retry++) {
            Node x = claimWinner(id, "x");
            java.time.Instant before = repo.inspectNode(id, "x").startedAt();
            Node waiting = finish(id, "x", x.claim().id(), Result.of(Conclusion.ERROR, "flaky"));
            Duration base = Duration.ofSeconds(10L << (retry - 1));
            assertThat(waiting.status()).as("retry %d waits out its backoff", retry).isEqualTo(NodeStatus.WAITING);
            assertThat(waiting.readyAt()).as("retry %d: between half and one and a half times %s", retry, base)
                    .isAfterOrEqualTo(before.plus(base.dividedBy(2)))
                    .isBefore(before.plus(base.multipliedBy(3).dividedBy(2)).plusSeconds(5));
            assertThat(repo.inspectNode(id, "x").readyAt()).isEqualTo(waiting.readyAt());
            assertThatThrownBy(() -> claim(id, "x", "agent-1")).isInstanceOf(NodeNotReadyException.class);
            letTimePass(base.dividedBy(4)); // before its ready_at, whatever the draw
            assertThat(repo.inspectNode(id, "x").status()).isEqualTo(NodeStatus.WAITING);
            letTimePass(base.multipliedBy(3).dividedBy(2));
            int expected = retry + 1;
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(readyEvents(events, id)).hasSize(expected));
            Node ready = repo.inspectNode(id, "x");
            assertThat(ready.status()).isEqualTo(NodeStatus.READY);
            assertThat(ready.readyAt()).isNull();
            agent("agent-1"); // its lease may have run out with the time that passed
        }
    }

    // ---- a run's own deadline and time to live --------------------------------------------------------------

    @Test
    void aRunPastItsDeadlineIsCancelled() throws Exception {
        agent("agent-1");
        String id = repo.startRun(runs.create(Graphs.chain(2, "debug")).withTimes("1m", null)).id();
        assertThat(repo.inspectRun(id).deadline()).isEqualTo("1m");
        Node n0 = claimWinner(id, "n0");
        letTimePass(Duration.ofSeconds(30));
        assertThat(repo.inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);
        letTimePass(Duration.ofSeconds(31));
        await().atMost(Duration.ofSeconds(10)).until(() -> repo.isRunCompleted(id));
        Run run = repo.inspectRun(id);
        assertThat(run.outcome()).isEqualTo(RunOutcome.CANCELLED);
        assertThat(run.nodes()).allMatch(Node::cancelled);
        assertThatThrownBy(() -> finish(id, "n0", n0.claim().id(), Result.of(Conclusion.SUCCESS, "late")))
                .isInstanceOf(StaleClaimException.class);
        // the run's creation is on the system clock, 61 s behind the store's by now: a deadline of 5 min is still
        // ahead of the store's clock while the run completes (a 1 min one would be due already, racing the timers)
        String quick = repo.startRun(runs.create(Graphs.single("a")).withTimes("5m", null)).id();
        agent("agent-1");
        runLayer(quick, List.of("a"));
        letTimePass(Duration.ofMinutes(6)); // its deadline passes after it completed
        assertThat(repo.inspectRun(quick).outcome()).as("completed in time: left alone").isEqualTo(RunOutcome.SUCCEEDED);
    }

    @Test
    void aCompletedRunIsDeletedOnceItHasBeenCompletedForItsTtl() throws Exception {
        String id = repo.startRun(runs.create(Graphs.single("a")).withTimes(null, "1m")).id();
        assertThat(repo.inspectRun(id).ttl()).isEqualTo("1m");
        letTimePass(Duration.ofSeconds(50));
        agent("agent-1");
        runLayer(id, List.of("a")); // completed 50 s after its start
        letTimePass(Duration.ofSeconds(20));
        assertThat(repo.inspectRun(id).status()).as("completed 20 s ago: kept").isEqualTo(RunStatus.COMPLETED);
        letTimePass(Duration.ofSeconds(41));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThatThrownBy(() -> repo.inspectRun(id)).isInstanceOf(NotFoundException.class));
        String running = repo.startRun(runs.create(Graphs.single("a")).withTimes(null, "1m")).id();
        letTimePass(Duration.ofMinutes(3));
        assertThat(repo.inspectRun(running).status()).as("never deleted while not completed").isEqualTo(RunStatus.WAITING);
    }

    // ---- reruns -----------------------------------------------------------------------------------------------

    @Test
    void aRerunRecordsTheRunItRerunsOnEveryRead() {
        String first = start(Graphs.seven()).id();
        Run again = repo.startRun(runs.create(Graphs.seven()).asRerunOf(first));
        assertThat(again.rerunOf()).isEqualTo(first);
        assertThat(repo.inspectRun(again.id()).rerunOf()).isEqualTo(first);
        assertThat(repo.inspectRun(first).rerunOf()).isNull();
        assertThat(repo.listRuns(RunQuery.all())).filteredOn(r -> r.id().equals(again.id())).singleElement()
                .satisfies(r -> assertThat(r.rerunOf()).isEqualTo(first));
    }

    // ---- deleting runs --------------------------------------------------------------------------------------

    @Test
    void aCompletedRunIsDeletedWithEverythingItHadAndARunningOneIsNot() throws Exception {
        agent("agent-1");
        GraphSpec one = Graphs.single("a");
        StartKey key = new StartKey("delete-me", GraphFingerprint.of(one));
        String done = repo.startRun(runs.create(one), key).run().id();
        String running = start(Graphs.chain(2, "debug")).id();
        Node a = claimWinner(done, "a");
        finish(done, "a", a.claim().id(), Result.of(Conclusion.SUCCESS, "a"));
        claimWinner(running, "n0");

        assertThatThrownBy(() -> repo.deleteRun(running)).isInstanceOf(RunNotFinishedException.class);
        assertThat(repo.inspectRun(running).nodes()).as("nothing changed").hasSize(2);

        repo.deleteRun(done);
        assertThatThrownBy(() -> repo.inspectRun(done)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> repo.inspectNode(done, "a")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> repo.deleteRun(done)).as("deleted already").isInstanceOf(NotFoundException.class);
        assertThat(ids(repo.listRuns(RunQuery.all()))).containsExactly(running);
        Stats stats = repo.stats();
        assertThat(stats.runCount()).isEqualTo(1);
        assertThat(stats.nodeCounts()).as("only the running run's nodes").isEqualTo(new Stats.NodeCounts(1, 0, 1, 0, 0));
        Started again = repo.startRun(runs.create(one), key);
        assertThat(again.replayed()).as("its idempotency key went with it").isFalse();
        assertThat(again.run().id()).isNotEqualTo(done);
    }

    // ---- idempotent starts ---------------------------------------------------------------------------------

    @Test
    void aStartRepeatedWithItsKeyAnswersTheSameRunAndAnotherGraphWithItIsAConflict() {
        GraphSpec seven = Graphs.seven();
        StartKey key = new StartKey("order-4711", GraphFingerprint.of(seven));
        Started first = repo.startRun(runs.create(seven), key);
        assertThat(first.replayed()).isFalse();
        Started again = repo.startRun(runs.create(seven), key);
        assertThat(again.replayed()).isTrue();
        assertThat(again.run().id()).isEqualTo(first.run().id());
        assertThat(again.run().nodes()).hasSize(7);
        GraphSpec other = Graphs.chain(2, "debug");
        assertThatThrownBy(() -> repo.startRun(runs.create(other), new StartKey("order-4711", GraphFingerprint.of(other))))
                .isInstanceOf(IdempotencyConflictException.class)
                .satisfies(e -> assertThat(((IdempotencyConflictException) e).runId()).isEqualTo(first.run().id()));
        assertThat(repo.stats().runCount()).as("one run: nothing stored for the repeat or the conflict").isEqualTo(1);
        assertThat(repo.startRun(runs.create(seven), new StartKey("order-4712", key.graphSha256())).replayed())
                .as("another key is another run").isFalse();
        assertThat(repo.stats().runCount()).isEqualTo(2);
    }

    /** Twenty starts with one key at once, of a run large enough to be written in batches: one run, no debris. */
    @Test
    void concurrentStartsWithOneKeyMakeOneRun() throws Exception {
        GraphSpec big = Graphs.chain(300, "debug");
        StartKey key = new StartKey("batch-" + System.nanoTime(), GraphFingerprint.of(big));
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Started>> starts = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Run run = runs.create(big);
                starts.add(pool.submit(() -> {
                    go.await();
                    return repo.startRun(run, key);
                }));
            }
            go.countDown();
            List<Started> answers = new ArrayList<>();
            for (Future<Started> f : starts) {
                answers.add(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(answers).filteredOn(a -> !a.replayed()).as("exactly one stored its run").hasSize(1);
            assertThat(answers).extracting(a -> a.run().id()).as("all answer it").containsOnly(answers.stream()
                    .filter(a -> !a.replayed()).findFirst().orElseThrow().run().id());
            Stats stats = repo.stats();
            assertThat(stats.runCount()).isEqualTo(1);
            assertThat(stats.nodeCounts().ready() + stats.nodeCounts().waiting())
                    .as("the losers' nodes removed").isEqualTo(300);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    protected Run start(GraphSpec graph) {
        return repo.startRun(runs.create(graph));
    }

    protected void agent(String id) {
        repo.registerAgent(new Agent(id, List.of(new AgentRuntime("debug"))), TTL);
    }

    private static String claimId() {
        return com.github.f4b6a3.ulid.UlidCreator.getMonotonicUlid().toString();
    }

    protected ClaimOutcome claim(String runId, String name, String agentId) {
        return repo.claimNode(runId, name, agentId, Claim.of(claimId()));
    }

    protected Node finish(String runId, String name, String claimId, Result result) {
        return repo.finishNode(runId, name, claimId, result);
    }

    private Node claimWinner(String runId, String name) throws Exception {
        return claimWinner(runId, name, "agent-1");
    }

    private Node claimWinner(String runId, String name, String agentId) {
        ClaimOutcome out = claim(runId, name, agentId);
        assertThat(out.claimed()).as("claim of %s", name).isTrue();
        assertThat(out.node().claim().id()).isEqualTo(out.claim().id());
        return out.node();
    }

    /** Five concurrent claims per node (one winner each), then each winner finishes SUCCESS with its name. */
    private void runLayer(String runId, List<String> names) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            for (String name : names) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<ClaimOutcome>> fs = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    fs.add(pool.submit(() -> {
                        go.await();
                        return claim(runId, name, "agent-1");
                    }));
                }
                go.countDown();
                List<ClaimOutcome> winners = new ArrayList<>();
                for (Future<ClaimOutcome> f : fs) {
                    ClaimOutcome o = f.get(60, TimeUnit.SECONDS);
                    if (o.claimed()) {
                        winners.add(o);
                    }
                }
                assertThat(winners).as("winners for %s", name).hasSize(1);
                Node n = winners.get(0).node();
                assertThat(n.status()).isEqualTo(NodeStatus.RUNNING);
                finish(runId, name, n.claim().id(), Result.of(Conclusion.SUCCESS, name));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private List<String> ids(RunQuery q) {
        return ids(repo.listRuns(q));
    }

    private static List<String> ids(List<Run> runs) {
        return runs.stream().map(Run::id).toList();
    }

    private static Map<String, String> text(Map<String, byte[]> inputs) {
        return inputs.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> e.getValue() == null ? "" : new String(e.getValue(), StandardCharsets.UTF_8)));
    }

    protected Recorder subscribe(EventFilter filter, Cursor after) {
        Recorder r = new Recorder();
        r.subscription = repo.subscribe(filter, after, r);
        subscriptions.add(r.subscription);
        if (after == null) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !r.snapshots.isEmpty());
        }
        return r;
    }

    private static List<String> readyEvents(Recorder r, String runId) {
        List<String> out = new ArrayList<>();
        for (Event e : r.all()) {
            if (e.type() == EventType.NODE_READY && e.runId().equals(runId)) {
                out.add(e.nodeSpec().name());
            }
        }
        return out;
    }

    private static void awaitReady(Recorder r, String runId, String... names) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(readyEvents(r, runId)).containsExactlyInAnyOrder(names));
    }

    private static CursoredEvent awaitEvent(Recorder r, EventType type, String runId, String name) {
        return await().atMost(Duration.ofSeconds(15)).until(() -> r.live.stream()
                .filter(e -> e.event().type() == type && e.event().runId().equals(runId)
                        && e.event().nodeSpec().name().equals(name)).findFirst().orElse(null), java.util.Objects::nonNull);
    }

    /** An {@link EventSink} that records what it is given. */
    protected static class Recorder implements EventSink {
        record Snapshot(Cursor position, List<Event> events, boolean reset) {
        }

        final List<Snapshot> snapshots = Collections.synchronizedList(new ArrayList<>());
        final List<CursoredEvent> live = Collections.synchronizedList(new ArrayList<>());
        /** The first live event, once a blocking subclass holds its delivery on it. */
        final java.util.concurrent.atomic.AtomicReference<CursoredEvent> blockedOn = new java.util.concurrent.atomic.AtomicReference<>();
        Subscription subscription;

        @Override
        public void onSnapshot(Cursor position, List<Event> current, boolean reset) {
            snapshots.add(new Snapshot(position, List.copyOf(current), reset));
        }

        @Override
        public void onEvent(CursoredEvent event) {
            live.add(event);
        }

        /** Snapshot and live events, in the order received. */
        List<Event> all() {
            List<Event> out = new ArrayList<>();
            synchronized (snapshots) {
                snapshots.forEach(s -> out.addAll(s.events()));
            }
            synchronized (live) {
                live.forEach(e -> out.add(e.event()));
            }
            return out;
        }
    }
}
