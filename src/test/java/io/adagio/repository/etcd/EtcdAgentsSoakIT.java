package io.adagio.repository.etcd;

import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.support.MovableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A replica forgets agents that are gone: 2,000 agents register (each a new id), renew once, and die (their etcd
 * leases run out); once their leases are gone and the replica's caches have aged, it remembers none of them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdAgentsSoakIT {
    @Test
    void twoThousandAgentsThatComeAndGoLeaveNothingBehind() {
        MovableClock clock = new MovableClock();
        try (EtcdRepository repo = EtcdRepositories.open(SharedEtcd.freshOptions("soak"), clock)) {
            int baseline = repo.rememberedAgents();
            for (int i = 0; i < 2_000; i++) {
                String id = "pool-" + (10_000 + i) + "-0";
                repo.registerAgent(new Agent(id, List.of(new AgentRuntime("debug"))), Duration.ofSeconds(1));
                repo.heartbeat(id);
            }
            assertThat(repo.rememberedAgents()).as("while they live").isGreaterThan(baseline);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> repo.listAgents().isEmpty());
            clock.advance(EtcdAgents.KEEP_LEASE_IDS.plusMinutes(1));
            assertThat(repo.rememberedAgents()).as("dead agents are forgotten").isEqualTo(baseline);
        }
    }
}
