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

    /**
     * Readers racing a delete: a listed run whose nodes are gone when its view is read is left out of the listing
     * (not a 404 for the whole page); a read of nodes of several runs leaves out those of a deleted run; and the
     * event translation still sees a deleted run as visible at the revisions it was (replays stay deterministic).
     */
    @Test
    void readersRacingADeleteLeaveTheDeletedRunOutAndHistoryStaysAsItWas() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("delete-race");
        String prefix = options.namespace() + "/" + options.list() + "/";
        try (EtcdRepository repo = EtcdRepositories.open(options, Clock.systemUTC())) {
            RunFactory factory = new RunFactory(Clock.systemUTC());
            String kept = repo.startRun(factory.create(Graphs.single("a"))).id();
            String going = repo.startRun(factory.create(Graphs.single("a"))).id();
            long visible = SharedEtcd.admin().getKVClient().get(io.etcd.jetcd.ByteSequence.from(prefix + "runs/" + going,
                    java.nio.charset.StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS).getHeader().getRevision();
            // as between a listing's page of run keys and its views: the run's nodes are gone, its run key not yet
            SharedEtcd.admin().getKVClient().delete(io.etcd.jetcd.ByteSequence.from(prefix + "nodes/" + going + "/",
                    java.nio.charset.StandardCharsets.UTF_8), io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build())
                    .get(5, TimeUnit.SECONDS);
            assertThat(repo.listRuns(io.adagio.repository.RunQuery.all())).extracting(io.adagio.model.Run::id)
                    .containsExactly(kept);

            Keys keys = new Keys(options.namespace(), options.list());
            EtcdCalls calls = new EtcdCalls(Duration.ofSeconds(5));
            NodeReader reader = new NodeReader(SharedEtcd.admin().getKVClient(), keys, new EtcdCodec(), calls);
            assertThat(reader.read(List.of(new Keys.NodeRef(going, "a"), new Keys.NodeRef(kept, "a"))).keySet())
                    .as("one deleted run does not fail the read of others").containsExactly(new Keys.NodeRef(kept, "a"));
            assertThatThrownBy(() -> reader.read(going, List.of("a"))).isInstanceOf(NotFoundException.class);

            SharedEtcd.admin().getKVClient().delete(io.etcd.jetcd.ByteSequence.from(prefix + "runs/" + going,
                    java.nio.charset.StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
            RunShapes fresh = new RunShapes(SharedEtcd.admin().getKVClient(), keys, new EtcdCodec(), calls);
            long created = fresh.visibleAt(going, visible).orElseThrow(() ->
                    new AssertionError("a deleted run is visible at the revisions it was")).revision();
            RunShapes another = new RunShapes(SharedEtcd.admin().getKVClient(), keys, new EtcdCodec(), calls);
            assertThat(another.visibleAt(going, created - 1)).as("and not before it was created").isEmpty();
        }
    }
}
