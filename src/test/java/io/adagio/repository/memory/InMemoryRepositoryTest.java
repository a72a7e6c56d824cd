package io.adagio.repository.memory;

import io.adagio.repository.Repository;
import io.adagio.repository.RepositoryContract;

import java.time.Clock;
import java.time.Duration;

/** The conformance suite on the in-memory backend. */
class InMemoryRepositoryTest extends RepositoryContract {
    private InMemoryRepository memory;

    @Override
    protected Repository createRepository() {
        memory = new InMemoryRepository(Clock.systemUTC(), 10_000, Duration.ofMillis(50));
        return memory;
    }

    @Override
    protected void forceLeaseExpiry(String agentId) {
        memory.expireLease(agentId);
    }

    @Override
    protected void forgetHistory() {
        memory.compactHistory();
    }
}
