package io.adagio.control;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Result;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.memory.InMemoryRepository;
import io.adagio.support.MovableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Memory stays bounded by what lives and what is stored: 2,000 agents register (each a new id, as pool agents
 * restarted with new pids are), work, and die — a quarter of them holding a node — beside 5,000 runs; afterwards
 * what is kept per agent and per lease is back at its baseline (nothing), and what is kept per run is the runs
 * stored. Counted structure by structure, not from heap figures (which depend on the collector).
 */
@Timeout(120)
class BoundedMemorySoakTest {
    private static final Duration TTL = Duration.ofSeconds(10);

    @Test
    void agentsThatComeAndGoLeaveNothingBehindAndRunsCostWhatIsStored() {
        MovableClock clock = new MovableClock();
        try (InMemoryRepository repo = new InMemoryRepository(clock, 1_000, Duration.ofHours(1))) {
            Agents agents = new Agents(repo, TTL, clock);
            RunFactory factory = new RunFactory(clock);
            AtomicInteger claims = new AtomicInteger();
            int baselineAgents = agents.remembered();
            InMemoryRepository.Sizes baseline = repo.sizes();
            int runs = 0;
            for (int i = 0; i < 2_000; i++) {
                String id = "pool-" + (10_000 + i) + "-0"; // a restarted pool's agent: a new pid, a new id
                agents.register(id, List.of(new AgentRuntime("debug")));
                agents.touch(id);
                String run = repo.startRun(factory.create(Graphs.single("n"))).id();
                runs++;
                List<ClaimOutcome> won = repo.claimReady(id, 1, () -> Claim.of("c-" + claims.incrementAndGet()));
                assertThat(won).hasSize(1);
                if (i % 4 != 0) {
                    repo.finishNode(run, "n", won.get(0).claim().id(), Result.of(Conclusion.SUCCESS, "ok"));
                } // else it dies holding the node, which is orphaned
                if (i % 100 == 99) {
                    clock.advance(TTL.plusSeconds(1)); // these hundred die
                    repo.expireLeases();
                    assertThat(repo.sizes().leases()).as("dead agents' leases are dropped").isZero();
                }
            }
            String worker = "worker";
            agents.register(worker, List.of(new AgentRuntime("debug")));
            for (; runs < 5_000; runs++) {
                String run = repo.startRun(factory.create(Graphs.single("n"))).id();
                agents.touch(worker);
                ClaimOutcome c = repo.claimReady(worker, 1, () -> Claim.of("c-" + claims.incrementAndGet())).get(0);
                repo.finishNode(run, "n", c.claim().id(), Result.of(Conclusion.SUCCESS, "ok"));
            }
            assertThat(agents.remembered()).as("the worker, and dead agents not yet forgotten").isLessThanOrEqualTo(1 + 200);

            clock.advance(TTL.multipliedBy(3)); // the worker dies too, and two TTLs pass
            repo.expireLeases();
            assertThat(agents.remembered()).as("renewals remembered per agent").isEqualTo(baselineAgents);
            InMemoryRepository.Sizes after = repo.sizes();
            assertThat(after.leases()).as("leases").isEqualTo(baseline.leases());
            assertThat(after.held()).as("nodes held on leases").isEqualTo(baseline.held());
            assertThat(after.runs()).as("per-run structures: the runs stored").isEqualTo(baseline.runs() + 5_000);
            assertThat(repo.listAgents()).isEmpty();
        }
    }
}
