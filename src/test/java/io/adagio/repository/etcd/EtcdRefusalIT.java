package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.repository.BackendRefusedException;
import io.adagio.support.EtcdProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What etcd refuses for what it is (here a request over its {@code --max-request-bytes}) is answered as a
 * permanent refusal, never as "unavailable, retry": repeating it cannot succeed. Nothing it asked for is applied,
 * and a smaller request on the same node still works.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EtcdRefusalIT {
    private static EtcdProcess etcd;
    private static EtcdRepository repo;

    @BeforeAll
    static void start() {
        etcd = EtcdProcess.start("--max-request-bytes=131072");
        repo = EtcdRepositories.open(SharedEtcd.optionsOn(etcd, "refusal", 1000), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        repo.close();
        etcd.close();
    }

    @Test
    void aFinishLargerThanEtcdTakesIsRefusedAsTooLargeAndChangesNothing() {
        repo.registerAgent(new Agent("agent-1", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(30));
        String run = repo.startRun(new RunFactory(Clock.systemUTC()).create(Graphs.single("a"))).id();
        String claim = repo.claimNode(run, "a", "agent-1", Claim.of("c-1")).claim().id();
        Result huge = Result.of(Conclusion.SUCCESS, "x".repeat(200_000));

        assertThatThrownBy(() -> repo.finishNode(run, "a", claim, huge))
                .isInstanceOfSatisfying(BackendRefusedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(BackendRefusedException.Reason.TOO_LARGE);
                    assertThat(e.retryable()).isFalse();
                });
        Node a = repo.inspectNode(run, "a");
        assertThat(a.status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(a.attempts()).isEmpty();

        Node done = repo.finishNode(run, "a", claim, Result.of(Conclusion.ERROR, "output too large for the store"));
        assertThat(done.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(done.attempts()).extracting(Result::conclusion).containsExactly(Conclusion.ERROR);
    }
}
