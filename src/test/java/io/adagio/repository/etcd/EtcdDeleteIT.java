package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.GraphFingerprint;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.GraphSpec;
import io.adagio.model.Result;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.StartKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Deleting a run on etcd: one transaction removes its run key, node and state keys, intents and idempotency
 * record — no key of the run is left — and another replica that had the run's shape cached answers not found
 * (never an error) for the run and its nodes, for reads and for agents' calls.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EtcdDeleteIT {

    @Test
    void aDeletedRunLeavesNoKeyAndIsNotFoundOnAReplicaThatHadItCached() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("delete");
        String prefix = options.namespace() + "/" + options.list() + "/";
        GraphSpec fan = Graphs.fanOut(40, "debug"); // a finish in steps: an intent while it is passed on
        try (EtcdRepository a = EtcdRepositories.open(options, Clock.systemUTC());
             EtcdRepository b = EtcdRepositories.open(options, Clock.systemUTC())) {
            a.registerAgent(new Agent("agent", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(30));
            String id = a.startRun(new RunFactory(Clock.systemUTC()).create(fan),
                    new StartKey("fan-once", GraphFingerprint.of(fan))).run().id();
            ClaimOutcome root = a.claimNode(id, "root", "agent", Claim.of("r"));
            a.finishNode(id, "root", root.claim().id(), Result.of(Conclusion.SUCCESS, "out"));
            for (int i = 0; i < 40; i++) {
                ClaimOutcome leaf = a.claimNode(id, "leaf-" + i, "agent", Claim.of("l" + i));
                a.finishNode(id, "leaf-" + i, leaf.claim().id(), Result.of(Conclusion.SUCCESS, "ok"));
            }
            assertThat(b.inspectRun(id).nodes()).as("b caches the run's shape").hasSize(41);

            a.deleteRun(id);
            for (String p : List.of("runs/" + id, "nodes/" + id + "/", "states/completed/run/" + id + "/",
                    "intents/" + id + "/", "idempotency/")) {
                assertThat(SharedEtcd.count(prefix + p)).as(p).isZero();
            }
            assertThatThrownBy(() -> b.inspectRun(id)).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> b.inspectNode(id, "leaf-3")).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> b.finishNode(id, "leaf-3", "l3", Result.of(Conclusion.SUCCESS, "ok")))
                    .isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> b.deleteRun(id)).isInstanceOf(NotFoundException.class);
            assertThat(b.stats().runCount()).isZero();
        }
    }
}
