package io.adagio.agent;

import io.adagio.agent.runtime.DebugRuntime;
import io.adagio.config.AgentProperties;
import io.adagio.model.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pool agent's heartbeats come every third of its TTL whatever one of them met: a heartbeat that fails with
 * something unexpected (here: registering again throws, as when the store refuses the write) does not end them,
 * so a busy agent's lease is not left to run out.
 */
@Timeout(30)
class PoolHeartbeatTest {
    /** A control plane whose lease is 1 s, whose first heartbeat finds the lease gone and whose re-register throws. */
    private static final class Plane implements ControlPlane {
        final AtomicInteger heartbeats = new AtomicInteger();
        final AtomicInteger registrations = new AtomicInteger();

        @Override
        public long register(String agentId, List<String> runtimes) {
            if (registrations.incrementAndGet() == 2) {
                throw new IllegalStateException("the store refused the write"); // not an Unavailable
            }
            return 1;
        }

        @Override
        public boolean heartbeat(String agentId) {
            return heartbeats.incrementAndGet() != 1; // the first finds the lease gone: register again
        }

        @Override
        public void unregister(String agentId) {
        }

        @Override
        public ClaimReply claim(String runId, String node, String agentId, String requestId) {
            return new ClaimReply.NotClaimed();
        }

        @Override
        public Finish finish(String runId, String node, String agentId, String claimId, Result result, int next) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ClaimReply.Claimed> claimBatch(String agentId, int max, Duration wait, String requestId)
                throws InterruptedException {
            new java.util.concurrent.CountDownLatch(1).await(wait.toMillis(), TimeUnit.MILLISECONDS); // a long poll: nothing is ever ready
            return List.of();
        }

        @Override
        public List<ClaimReply.Claimed> claimedFor(String agentId, String requestId) {
            return List.of();
        }

        @Override
        public Finishes finishBatch(String agentId, List<Finishing> finishes, int next) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void follow(String agentId, List<String> runtimes, String lastPosition, Listener listener)
                throws InterruptedException {
            new java.util.concurrent.CountDownLatch(1).await(); // a stream without events, until the pool stops
        }
    }

    @Test
    void aHeartbeatThatFailsUnexpectedlyIsFollowedByTheNext() {
        Plane plane = new Plane();
        AgentProperties props = new AgentProperties(null, AgentProperties.Transport.AUTO, 1, 1, List.of("debug"),
                "beating", Duration.ofMillis(50), Duration.ofMillis(500),
                new AgentProperties.Exec(false, List.of(), Duration.ofSeconds(5), List.of("PATH"), null), null);
        AgentPool pool = new AgentPool(props, List.of(new DebugRuntime()), id -> plane, "test");
        pool.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> plane.registrations.get() >= 2);
            int after = plane.heartbeats.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> plane.heartbeats.get() >= after + 3);
        } finally {
            pool.stop();
        }
    }
}
