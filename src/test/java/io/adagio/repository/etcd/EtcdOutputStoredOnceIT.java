package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.RunOutcome;
import io.adagio.repository.ClaimOutcome;
import io.adagio.support.EtcdProcess;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An output is stored once, with the attempt that made it: a 1 MiB output (the default
 * {@code adagio.limits.max-output-size}) on a 1,000-child fan-out completes on an etcd with its default limits,
 * every child is handed the whole output as its input, and etcd's database grows by about the output once —
 * not a thousand times, which (with each child written three times) would take it past its 2 GiB quota, after
 * which etcd refuses writes for the whole cluster. Its own etcd process, so the size measured is this test's.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class EtcdOutputStoredOnceIT {
    private static final String AGENT = "agent-once";
    private static final int CHILDREN = 1_000;
    private static final int MIB = 1024 * 1024;

    private EtcdProcess etcd;
    private Client admin;
    private EtcdRepository repo;

    @BeforeEach
    void start() {
        etcd = EtcdProcess.start();
        admin = Client.builder().endpoints(etcd.endpoint()).build();
        repo = EtcdRepositories.open(SharedEtcd.optionsOn(etcd, "once", 0), Clock.systemUTC());
        repo.registerAgent(new Agent(AGENT, List.of(new AgentRuntime("debug"))), Duration.ofSeconds(120));
    }

    @AfterEach
    void stop() {
        repo.close();
        admin.close();
        etcd.close();
    }

    private long dbSize() throws Exception {
        return admin.getMaintenanceClient().statusMember(etcd.endpoint()).get(10, TimeUnit.SECONDS).getDbSize();
    }

    @Test
    void aMebibyteOutputOnAThousandChildFanOutIsStoredOnceAndReachesEveryChild() throws Exception {
        String id = repo.startRun(new RunFactory(Clock.systemUTC()).create(Graphs.fanOut(CHILDREN, "debug"))).id();
        byte[] output = new byte[MIB];
        new Random(11).nextBytes(output);
        long before = dbSize();

        ClaimOutcome root = repo.claimNode(id, "root", AGENT, Claim.of("root-claim"));
        assertThat(root.claimed()).isTrue();
        assertThat(repo.finishNode(id, "root", root.claim().id(), new Result(Conclusion.SUCCESS, Map.of(), output))
                .status()).isEqualTo(NodeStatus.COMPLETED);

        Set<String> handedOut = new HashSet<>();
        int[] n = {0};
        while (handedOut.size() < CHILDREN) {
            List<ClaimOutcome> batch = repo.claimReady(AGENT, 16, () -> Claim.of("leaf-claim-" + n[0]++));
            assertThat(batch).as("READY children left to claim").isNotEmpty();
            for (ClaimOutcome c : batch) {
                assertThat(c.node().inputs()).as(c.node().name()).containsOnlyKeys("root");
                assertThat(c.node().inputs().get("root")).as("%s gets the whole output", c.node().name())
                        .isEqualTo(output);
                assertThat(handedOut.add(c.node().name())).as("%s handed out once", c.node().name()).isTrue();
                repo.finishNode(id, c.node().name(), c.claim().id(), Result.of(Conclusion.SUCCESS, "ok"));
            }
        }

        assertThat(repo.isRunCompleted(id)).isTrue();
        assertThat(repo.inspectRun(id).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        long grown = dbSize() - before;
        System.out.println("EtcdOutputStoredOnceIT: db size " + before + " -> " + (before + grown) + " bytes");
        // stored once: the output (base64, 1.4 MB) plus a thousand small children written three times each;
        // a copy per child would be 1,000 × 1.4 MB, three times over
        assertThat(grown).as("db size grew by %d bytes", grown).isLessThan(8L * MIB);
    }

    /**
     * A child of three parents with 1 MiB outputs each: 4.2 MB of inputs, which a child value holding copies
     * could not be written as (etcd takes requests of at most 1.5 MiB); it is READY and handed all three.
     */
    @Test
    void aChildOfThreeMebibyteOutputsGetsAllThree() throws Exception {
        io.adagio.model.GraphSpec fanIn = new io.adagio.model.GraphSpec(
                List.of(io.adagio.model.NodeSpec.of("p0", "debug"), io.adagio.model.NodeSpec.of("p1", "debug"),
                        io.adagio.model.NodeSpec.of("p2", "debug"), io.adagio.model.NodeSpec.of("c", "debug")),
                List.of(new io.adagio.model.Edge("p0", "c"), new io.adagio.model.Edge("p1", "c"),
                        new io.adagio.model.Edge("p2", "c")));
        String id = repo.startRun(new RunFactory(Clock.systemUTC()).create(fanIn)).id();
        Map<String, byte[]> outputs = new java.util.TreeMap<>();
        for (String p : List.of("p0", "p1", "p2")) {
            byte[] out = new byte[MIB];
            new Random(p.hashCode()).nextBytes(out);
            outputs.put(p, out);
            ClaimOutcome c = repo.claimNode(id, p, AGENT, Claim.of("claim-" + p));
            repo.finishNode(id, p, c.claim().id(), new Result(Conclusion.SUCCESS, Map.of(), out));
        }
        ClaimOutcome child = repo.claimNode(id, "c", AGENT, Claim.of("claim-c"));
        assertThat(child.claimed()).isTrue();
        assertThat(child.node().inputs()).containsOnlyKeys("p0", "p1", "p2");
        outputs.forEach((p, out) -> assertThat(child.node().inputs().get(p)).as(p).isEqualTo(out));
    }
}
