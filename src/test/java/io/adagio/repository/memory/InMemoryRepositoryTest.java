package io.adagio.repository.memory;

import io.adagio.repository.Repository;
import io.adagio.repository.RepositoryContract;
import io.adagio.support.MovableClock;

import java.time.Duration;

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

    @Override
    protected void forceLeaseExpiry(String agentId) {
        memory.expireLease(agentId);
    }

    @Override
    protected void letLeaseRunOut(String agentId, Duration ttl) {
        clock.advance(ttl.plusMillis(1));
        memory.expireLeases();
    }

    @Override
    protected void forgetHistory() {
        memory.compactHistory();
    }
}
