package io.adagio.repository.memory;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.repository.Repository;
import io.adagio.repository.RepositoryContract;
import io.adagio.repository.StaleClaimException;
import io.adagio.support.MovableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The conformance suite on the in-memory backend, on a clock the tests can move. */
class InMemoryRepositoryTest extends RepositoryContract {
    private final MovableClock clock = new MovableClock();
    private InMemoryRepository memory;

    @Override
    protected Repository createRepository(int historyCapacity) {
        InMemoryRepository created = new InMemoryRepository(clock, historyCapacity, Duration.ofMillis(50));
        if (historyCapacity == HISTORY) {
            memory = created;
        }
        return created;
    }

    /** Memory fills a finish's dispatch under the same lock: one step for a fan-out's leaf and the next node. */
    @Override
    protected boolean fillsInTheFinishStep() {
        return true;
    }

    @Override
    protected void forceLeaseExpiry(String agentId) {
        memory.expireLease(agentId);
    }

    @Override
    protected void letLeaseRunOut(String agentId, Duration ttl) {
        clock.advance(ttl.plusMillis(1));
        memory.expireLeases();
    }

    @Test
    void aFinishAfterTheLeaseRanOutIsStaleAtOnceWithoutWaitingForTheSweep() {
        try (InMemoryRepository once = new InMemoryRepository(clock, 100, Duration.ofHours(1))) {
            once.registerAgent(new Agent("late", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(10));
            String run = once.startRun(new RunFactory(clock).create(Graphs.single("a"))).id();
            String claim = once.claimNode(run, "a", "late", Claim.of("c")).claim().id();
            clock.advance(Duration.ofSeconds(10).plusMillis(1));
            assertThatThrownBy(() -> once.finishNode(run, "a", claim, Result.of(Conclusion.SUCCESS, "too late")))
                    .isInstanceOf(StaleClaimException.class);
            Node a = once.inspectNode(run, "a");
            assertThat(a.status()).as("orphaned by its lease's end").isEqualTo(NodeStatus.NONE);
            assertThat(a.attempts()).isEmpty();
            assertThat(once.listAgents()).isEmpty();
        }
    }

    @Override
    protected void letTimePass(Duration time) {
        clock.advance(time);
        memory.expireLeases();
    }

    @Override
    protected void forgetHistory() {
        memory.compactHistory();
    }
}
