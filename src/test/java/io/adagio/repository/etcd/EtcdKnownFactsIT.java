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
import io.adagio.model.RunOutcome;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Dispatch;
import io.adagio.repository.Finished;
import io.adagio.repository.StaleClaimException;
import io.adagio.support.MovableClock;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A replica finishes a node it claimed from the facts its claiming transaction wrote and read ({@link KnownFacts}),
 * without reading them again: etcd checks them, since the finish is guarded by exactly those revisions. Here
 * another replica changes such a node meanwhile (against a real etcd, two repositories on one keyspace): the
 * facts the first replica knows are stale, and its finishes must come to what a read would: nothing finished
 * twice, nothing refused that holds, nothing stuck.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EtcdKnownFactsIT {
    private final MovableClock clock = new MovableClock();
    private Client admin;
    private EtcdOptions options;
    private EtcdRepository first;
    private EtcdRepository second;

    @BeforeEach
    void open() {
        options = SharedEtcd.freshOptions("known");
        admin = Client.builder().endpoints(options.endpoints().toArray(String[]::new)).build();
        first = EtcdRepositories.open(options, clock);
        second = EtcdRepositories.open(options, clock);
        first.registerAgent(new Agent("agent-1", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(30));
        second.registerAgent(new Agent("agent-2", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(30));
    }

    @AfterEach
    void close() {
        first.close();
        second.close();
        admin.close();
    }

    private String start(io.adagio.model.GraphSpec graph) {
        return first.startRun(new RunFactory(clock).create(graph)).id();
    }

    private long lease(String agentId) throws Exception {
        return admin.getKVClient().get(Keys.bytes(new Keys(options.namespace(), options.list()).agent(agentId)))
                .get(5, TimeUnit.SECONDS).getKvs().get(0).getLease();
    }

    @Test
    void aNodeOrphanedAndClaimedThroughAnotherReplicaRefusesTheOldClaimAndTakesTheNewHoldersFinish() throws Exception {
        String run = start(Graphs.single("a"));
        ClaimOutcome old = first.claimNode(run, "a", "agent-1", Claim.of("c-1"));
        admin.getLeaseClient().revoke(lease("agent-1")).get(5, TimeUnit.SECONDS); // agent-1 died: "a" is orphaned
        await().atMost(Duration.ofSeconds(10)).until(() -> second.inspectNode(run, "a").status() == NodeStatus.NONE);
        ClaimOutcome now = second.claimNode(run, "a", "agent-2", Claim.of("c-2"));
        assertThat(now.claimed()).isTrue();

        assertThatThrownBy(() -> first.finishNode(run, "a", old.claim().id(), Result.of(Conclusion.SUCCESS, "old"),
                Dispatch.NONE)).as("the claim the first replica knows is no longer the node's")
                .isInstanceOf(StaleClaimException.class);
        Node held = first.inspectNode(run, "a");
        assertThat(held.status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(held.attempts()).as("nothing recorded by the stale finish").isEmpty();

        Finished f = first.finishNode(run, "a", now.claim().id(), Result.of(Conclusion.SUCCESS, "new"), Dispatch.NONE);
        assertThat(f.runCompleted()).isTrue();
        Node done = second.inspectNode(run, "a");
        assertThat(done.attempts()).singleElement().satisfies(r ->
                assertThat(new String(r.output(), StandardCharsets.UTF_8)).isEqualTo("new"));
        assertThat(second.inspectRun(run).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
    }

    @Test
    void aChildReadAheadThatAnotherReplicaChangedIsReadAgainByTheFinishThatNeedsIt() throws Exception {
        // n0's finish claims n1 for its agent and reads n2 with it (the facts n1's finish starts from)
        String chain = start(Graphs.chain(3, "debug"));
        String c0 = first.claimNode(chain, "n0", "agent-1", Claim.of("c-0")).claim().id();
        Finished f0 = first.finishNode(chain, "n0", c0, Result.of(Conclusion.SUCCESS, "zero"),
                new Dispatch("agent-1", 1, () -> "c-1"));
        String c1 = f0.next().get(0).claim().id();
        // the other replica cancels the run meanwhile: n1 (running) is asked to stop, n2 is skipped
        second.cancelRun(chain, Duration.ofMinutes(5));
        await().atMost(Duration.ofSeconds(10)).until(() -> second.inspectNode(chain, "n2").status() == NodeStatus.COMPLETED);

        Finished f1 = first.finishNode(chain, "n1", c1, Result.of(Conclusion.SUCCESS, "one"),
                new Dispatch("agent-1", 1, () -> "c-2"));
        assertThat(f1.next()).as("n2 was skipped by the cancel: nothing to dispatch").isEmpty();
        Node n2 = second.inspectNode(chain, "n2");
        assertThat(n2.attempts()).as("never run").isEmpty();
        assertThat(n2.cancelled()).as("completed by the cancel").isTrue();
        assertThat(second.inspectRun(chain).nodes()).allSatisfy(n -> assertThat(n.status()).isEqualTo(NodeStatus.COMPLETED));
    }

    /**
     * A READY node a filling finish read ahead for its agent's next finish is claimed meanwhile by a writer of the
     * original's kind that moves only its state keys (ready deleted, running put; the node key left alone: the
     * least a claim changes): the next finish, which starts from the facts read ahead, must not claim it too.
     */
    @Test
    void aReadyNodeReadAheadAndClaimedMeanwhileByAnotherWriterIsNotClaimedTwice() throws Exception {
        String run = start(Graphs.fanOut(3, "debug"));
        EtcdStepCostIT.threeLeavesReady(first, run);
        ClaimOutcome zero = first.claimNode(run, "leaf-0", "agent-1", Claim.of("c-0"));
        Finished f0 = first.finishNode(run, "leaf-0", zero.claim().id(), Result.of(Conclusion.SUCCESS, "zero"),
                new Dispatch("agent-1", 1, () -> "c-1", "finishes:c-0"));
        assertThat(f0.next()).as("filled up with a READY sibling").hasSize(1);
        String x = f0.next().get(0).node().name();
        String y = x.equals("leaf-1") ? "leaf-2" : "leaf-1"; // read ahead by that finish, for agent-1's next one

        Keys keys = new Keys(options.namespace(), options.list());
        io.etcd.jetcd.ByteSequence ready = Keys.bytes(keys.state(NodeStatus.READY, run, y));
        io.etcd.jetcd.ByteSequence running = Keys.bytes(keys.state(NodeStatus.RUNNING, run, y));
        io.etcd.jetcd.ByteSequence theirs = io.etcd.jetcd.ByteSequence.from("another writer's", StandardCharsets.UTF_8);
        assertThat(admin.getKVClient().txn()
                .If(new io.etcd.jetcd.op.Cmp(ready, io.etcd.jetcd.op.Cmp.Op.GREATER, io.etcd.jetcd.op.CmpTarget.version(0)))
                .Then(io.etcd.jetcd.op.Op.delete(ready, io.etcd.jetcd.options.DeleteOption.DEFAULT),
                        io.etcd.jetcd.op.Op.put(running, theirs, io.etcd.jetcd.options.PutOption.DEFAULT))
                .commit().get(5, TimeUnit.SECONDS).isSucceeded()).as("still READY when the other writer took it").isTrue();

        Finished f1 = first.finishNode(run, x, f0.next().get(0).claim().id(), Result.of(Conclusion.SUCCESS, "one"),
                new Dispatch("agent-1", 1, () -> "c-2", "finishes:c-1"));
        assertThat(f1.next()).as(y + " is held by the other writer: nothing left to fill up with").isEmpty();
        List<io.etcd.jetcd.KeyValue> now = admin.getKVClient().get(running).get(5, TimeUnit.SECONDS).getKvs();
        assertThat(now).as(y + "'s running key").singleElement().satisfies(kv -> {
            assertThat(kv.getValue()).isEqualTo(theirs);
            assertThat(kv.getLease()).as("not on agent-1's lease").isZero();
        });
        assertThat(second.inspectNode(run, y).attempts()).as("never run by agent-1").isEmpty();
    }
}
