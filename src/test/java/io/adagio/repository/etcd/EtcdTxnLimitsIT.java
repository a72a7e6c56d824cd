package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.RunOutcome;
import io.adagio.repository.BackendRefusedException;
import io.adagio.repository.ClaimOutcome;
import io.adagio.support.EtcdProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Transactions are sized to what the etcd they talk to takes ({@code adagio.etcd.max-txn-ops} and
 * {@code max-request-bytes}): against an etcd started with {@code --max-txn-ops=32 --max-request-bytes=262144}, a
 * repository told so starts, claims and finishes a 100-node fan-out in transactions that fit, also when each child
 * carries a 60 kB input (a batch claim of four is then over the request limit, so it is split), while one sized for
 * etcd's default 128 operations has its start refused.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EtcdTxnLimitsIT {
    private static EtcdProcess etcd;
    private final RunFactory factory = new RunFactory(Clock.systemUTC());

    @BeforeAll
    static void start() {
        etcd = EtcdProcess.start("--max-txn-ops=32", "--max-request-bytes=262144");
    }

    @AfterAll
    static void stop() {
        etcd.close();
    }

    private static EtcdOptions options(TxnLimits limits) {
        EtcdOptions o = SharedEtcd.optionsOn(etcd, "txn-limits", 0);
        return new EtcdOptions(o.endpoints(), o.namespace(), o.list(), o.timeout(), 0, o.sweepInterval(), 0, limits);
    }

    @Test
    void aRepositoryToldTheLimitWorksWithinItAndOneSizedForTheDefaultIsRefused() {
        try (EtcdRepository defaults = EtcdRepositories.open(options(TxnLimits.DEFAULT), Clock.systemUTC())) {
            assertThatThrownBy(() -> defaults.startRun(factory.create(Graphs.fanOut(100, "debug"))))
                    .as("a batch of 120 operations").isInstanceOf(BackendRefusedException.class);
        }
        try (EtcdRepository repo = EtcdRepositories.open(options(new TxnLimits(32, 262_144)), Clock.systemUTC())) {
            repo.registerAgent(new Agent("agent-1", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(30));
            String run = repo.startRun(factory.create(Graphs.fanOut(100, "debug"))).id();
            AtomicInteger ids = new AtomicInteger();
            List<ClaimOutcome> root = repo.claimReady("agent-1", 1, () -> Claim.of("root-" + ids.incrementAndGet()));
            assertThat(root).hasSize(1);
            // 100 children, each given a 60 kB input (80 kB in base64: four are over the request limit)
            repo.finishNode(run, "root", root.get(0).claim().id(), Result.of(Conclusion.SUCCESS, "r".repeat(60_000)));
            int done = 0;
            while (done < 100) {
                List<ClaimOutcome> won = repo.claimReady("agent-1", 10, () -> Claim.of("c-" + ids.incrementAndGet()));
                assertThat(won).as("claims come in transactions of at most 4 nodes and 170 kB").isNotEmpty();
                for (ClaimOutcome c : won) {
                    repo.finishNode(run, c.node().name(), c.claim().id(), Result.of(Conclusion.SUCCESS, "ok"));
                    done++;
                }
            }
            assertThat(repo.inspectRun(run).nodes()).allSatisfy(n -> assertThat(n.status()).isEqualTo(NodeStatus.COMPLETED));
            assertThat(repo.inspectRun(run).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        }
    }
}
