package io.adagio.faults;

import io.adagio.support.EtcdProcess;
import io.adagio.support.Http;
import io.adagio.support.ServiceProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * F6 of the fault suite, the claim storm: 64 agents (threads of this JVM, each its own agent id), half on each
 * of two API replicas sharing one etcd, claim over HTTP. First batch claims ({@code POST …/claims}, up to 8 at a
 * time) drain 1,000 READY nodes: exactly 1,000 wins, no node won twice. Then every agent claims the same node at
 * once ({@code POST …/nodes/{name}/claim}, released together), for each of 20 nodes: exactly one winner each.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ClaimStormIT {
    private static final int AGENTS = 64;
    private static final int FAN = 1_000;

    private static String fanOut(int n) {
        String nodes = IntStream.range(0, n).mapToObj(i -> "{\"name\":\"n" + i + "\",\"runtime\":\"storm\"}")
                .collect(Collectors.joining(","));
        return "{\"spec\":{\"nodes\":[" + nodes + "]}}";
    }

    @Test
    void sixtyFourAgentsOnTwoReplicasWinEveryNodeExactlyOnce() throws Exception {
        String[] replica = {"--adagio.mode=api", "--adagio.backend=etcd",
                "--adagio.etcd.endpoints=" + EtcdProcess.shared().endpoint(), "--adagio.etcd.list=f6-" + System.nanoTime(),
                "--adagio.leases.ttl=30s"};
        ExecutorService pool = Executors.newFixedThreadPool(AGENTS);
        try (ServiceProcess a = ServiceProcess.start(replica); ServiceProcess b = ServiceProcess.start(replica)) {
            List<Http> via = List.of(a.http(), b.http());
            for (int k = 0; k < AGENTS; k++) {
                assertThat(via.get(k % 2).put("/v0/agents/storm-" + k, "{\"runtimes\":[{\"name\":\"storm\"}]}").status())
                        .isEqualTo(200);
            }
            String run = a.http().put("/v0/runs", fanOut(FAN)).json().path("run").path("id").asString();

            // batch claims drain the ready set
            Map<String, String> winners = new ConcurrentHashMap<>(); // node → agent
            AtomicInteger doubles = new AtomicInteger();
            AtomicInteger calls = new AtomicInteger();
            long started = System.nanoTime();
            List<Future<?>> drains = new ArrayList<>();
            for (int k = 0; k < AGENTS; k++) {
                int agent = k;
                drains.add(pool.submit(() -> {
                    Http http = via.get(agent % 2);
                    int empty = 0;
                    while (empty < 3) {
                        calls.incrementAndGet();
                        Http.Reply r = http.post("/v0/agents/storm-" + agent + "/claims", "{\"max\":8}");
                        assertThat(r.status()).as(r.body()).isEqualTo(200);
                        JsonNode claims = r.json().path("claims");
                        empty = claims.isEmpty() ? empty + 1 : 0;
                        for (JsonNode c : claims) {
                            if (winners.putIfAbsent(c.path("node").path("spec").path("name").asString(),
                                    "storm-" + agent) != null) {
                                doubles.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : drains) {
                f.get(5, TimeUnit.MINUTES);
            }
            long drainMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
            assertThat(doubles.get()).as("nodes won twice").isZero();
            assertThat(winners).hasSize(FAN);
            JsonNode nodes = a.http().get("/v0/runs/" + run).json().path("run").path("nodes");
            assertThat(nodes.findValuesAsString("status")).as("every node RUNNING, held once").containsOnly("RUNNING");

            // every agent at once on the same node, twenty times
            String second = b.http().put("/v0/runs", fanOut(20)).json().path("run").path("id").asString();
            int contested = 0;
            for (int i = 0; i < 20; i++) {
                String name = "n" + i;
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> tries = new ArrayList<>();
                for (int k = 0; k < AGENTS; k++) {
                    int agent = k;
                    tries.add(pool.submit(() -> {
                        go.await();
                        Http.Reply r = via.get(agent % 2).post("/v0/runs/" + second + "/nodes/" + name + "/claim",
                                "{\"agent_id\":\"storm-" + agent + "\"}");
                        assertThat(r.status()).as(r.body()).isEqualTo(200);
                        return r.json().path("claimed").asBoolean();
                    }));
                }
                go.countDown();
                int won = 0;
                for (Future<Boolean> t : tries) {
                    won += t.get(1, TimeUnit.MINUTES) ? 1 : 0;
                }
                assertThat(won).as("winners of %s", name).isEqualTo(1);
                contested++;
            }
            Faults.report("F6 claim storm", Map.of("agents", AGENTS, "replicas", 2, "nodes", FAN, "wins", winners.size(),
                    "double_claims", doubles.get(), "batch_claim_calls", calls.get(), "drain_ms", drainMs,
                    "contested_nodes", contested, "winners_per_contested_node", 1));
        } finally {
            pool.shutdownNow();
        }
    }
}
