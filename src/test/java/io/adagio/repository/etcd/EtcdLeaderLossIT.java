package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.MetadataValues;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.RepositoryException;
import io.adagio.repository.StaleClaimException;
import io.adagio.support.EtcdCluster;
import io.adagio.support.EtcdProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A 3-member etcd cluster loses its leader (SIGKILL) while four workers claim and finish a 300-node fan-out: no
 * call hangs past its deadline, every node is executed exactly once (counted by the workers, outside the store)
 * and finished once, and the run completes. Then quorum is lost (a second member killed): calls fail within their
 * deadline, and once the members return the same repository works again.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EtcdLeaderLossIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @Test
    void aLeaderKilledUnderLoadLosesNothingAndRunsNothingTwice() throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(3)) {
            EtcdOptions options = new EtcdOptions(cluster.endpointList(), "v0", "leader-" + System.nanoTime(), TIMEOUT, 0,
                    Duration.ofSeconds(2), 0);
            try (EtcdRepository repo = EtcdRepositories.open(options, Clock.systemUTC())) {
                repo.registerAgent(new Agent("worker", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(30));
                String run = repo.startRun(new RunFactory(Clock.systemUTC()).create(Graphs.fanOut(299, "debug"))).id();
                Map<String, AtomicInteger> executions = new ConcurrentHashMap<>();
                AtomicInteger finished = new AtomicInteger();
                AtomicLong longestCallMs = new AtomicLong();
                ExecutorService workers = Executors.newFixedThreadPool(4);
                for (int w = 0; w < 4; w++) {
                    workers.execute(() -> work(repo, run, executions, finished, longestCallMs));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> finished.get() >= 60);
                EtcdProcess leader = cluster.leader();
                leader.kill();
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> repo.isRunCompleted(run));
                workers.shutdownNow();
                assertThat(workers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

                assertThat(executions).as("every node executed").hasSize(300);
                assertThat(executions).allSatisfy((node, n) -> assertThat(n.get()).as("%s executed once", node).isEqualTo(1));
                for (Node n : repo.inspectRun(run).nodes()) {
                    assertThat(n.status()).isEqualTo(NodeStatus.COMPLETED);
                    assertThat(n.attempts()).as("%s finished once", n.name()).hasSize(1);
                }
                assertThat(longestCallMs.get()).as("no call hung past its deadline")
                        .isLessThanOrEqualTo(4 * TIMEOUT.toMillis() + 1_000);

                // quorum lost: one of the two left is killed too
                EtcdProcess second = cluster.members().stream().filter(EtcdProcess::isRunning).findFirst().orElseThrow();
                second.kill();
                long t0 = System.nanoTime();
                assertThatThrownBy(repo::ping).isInstanceOf(RepositoryException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("failed within its deadline")
                        .isLessThanOrEqualTo(TIMEOUT.multipliedBy(2));
                leader.restartWithoutWaiting();
                second.restartWithoutWaiting();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> repo.ping() > 0);
                String after = repo.startRun(new RunFactory(Clock.systemUTC()).create(Graphs.single("after"))).id();
                assertThat(repo.inspectRun(after).nodes()).hasSize(1);
            }
        }
    }

    /**
     * A worker: claims up to 2 nodes (with a request id, so a lost answer's claims are asked for again), executes
     * each (counted), finishes it (sent again until answered: a finish is idempotent), and keeps going through
     * etcd's failures until the run is done.
     */
    private static void work(EtcdRepository repo, String run, Map<String, AtomicInteger> executions,
                             AtomicInteger finished, AtomicLong longestCallMs) {
        while (!Thread.currentThread().isInterrupted()) {
            String requestId = UUID.randomUUID().toString();
            List<ClaimOutcome> won = null;
            while (won == null && !Thread.currentThread().isInterrupted()) {
                long t0 = System.nanoTime();
                try {
                    won = repo.claimReady("worker", 2, () -> new Claim(UUID.randomUUID().toString(),
                            Map.of(Claim.REQUEST_ID, MetadataValues.of(requestId))));
                } catch (RepositoryException e) {
                    won = heldFor(repo, requestId, longestCallMs); // the claims may have been made
                } finally {
                    longestCallMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), Math::max);
                }
            }
            if (won == null) {
                return;
            }
            if (won.isEmpty()) {
                try {
                    if (repo.isRunCompleted(run)) {
                        return;
                    }
                    new java.util.concurrent.CountDownLatch(1).await(20, TimeUnit.MILLISECONDS); // nothing ready: pace the polling, as an agent's long poll would
                } catch (RepositoryException e) {
                    // etcd has no leader yet
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            for (ClaimOutcome c : won) {
                executions.computeIfAbsent(c.node().name(), k -> new AtomicInteger()).incrementAndGet();
                while (!Thread.currentThread().isInterrupted()) {
                    long t0 = System.nanoTime();
                    try {
                        repo.finishNode(c.runId(), c.node().name(), c.claim().id(), Result.of(Conclusion.SUCCESS, "ok"));
                        finished.incrementAndGet();
                        break;
                    } catch (StaleClaimException e) {
                        throw new AssertionError("a finish of a held claim was stale: " + c.node().name(), e);
                    } catch (RepositoryException e) {
                        // unavailable: the same finish again
                    } finally {
                        longestCallMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), Math::max);
                    }
                }
            }
        }
    }

    private static List<ClaimOutcome> heldFor(EtcdRepository repo, String requestId, AtomicLong longestCallMs) {
        while (!Thread.currentThread().isInterrupted()) {
            long t0 = System.nanoTime();
            try {
                return new ArrayList<>(repo.heldFor("worker", requestId));
            } catch (RepositoryException e) {
                // ask again
            } finally {
                longestCallMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), Math::max);
            }
        }
        return null;
    }
}
