package io.adagio.faults;

import io.adagio.support.EtcdCluster;
import io.adagio.support.EtcdProcess;
import io.adagio.support.Http;
import io.adagio.support.RecordingRuntime;
import io.adagio.support.RecordingRuntime.Execution;
import io.adagio.support.ServiceProcess;
import io.adagio.support.SseClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * F3 of the fault suite, through the service: a 3-member etcd cluster, the API in its own JVM pointed at all
 * three, a pool of 4 agents in another, and 2,000 nodes in flight (20 runs of 100, each node a short
 * {@link RecordingRuntime} execution). The etcd leader is SIGKILLed mid-way, while a probe keeps calling the API:
 * no call takes longer than the etcd timeout (plus a margin), each answers 200 or a 503 with Retry-After; every
 * run completes; every node executed exactly once (counted from the work) and shows one attempt (no acknowledged
 * finish lost, none repeated), no NODE_ORPHANED. Then two of the three members are killed: calls still answer
 * within the timeout, readiness goes down, and once the members are back the API serves again.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class LeaderKillIT {
    private static final int RUNS = 20;
    private static final int NODES = 100;
    private static final Duration ETCD_TIMEOUT = Duration.ofSeconds(3);

    private static String run() {
        String nodes = IntStream.range(0, NODES).mapToObj(i -> "{\"name\":\"n" + i + "\",\"runtime\":\"record\","
                + "\"metadata\":{\"adagio.arguments.record.sleep\":{\"values\":[\"20ms\"]}}}").collect(Collectors.joining(","));
        String edges = IntStream.range(10, NODES).mapToObj(i -> "{\"source\":\"n" + (i % 10) + "\",\"destination\":\"n" + i + "\"}")
                .collect(Collectors.joining(","));
        return "{\"spec\":{\"nodes\":[" + nodes + "],\"edges\":[" + edges + "]}}";
    }

    /** Calls the API until stopped, recording the slowest call and any answer that is neither 200 nor a proper 503. */
    private static final class Probe implements AutoCloseable {
        final AtomicLong slowestMs = new AtomicLong();
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger unavailable = new AtomicInteger();
        final Map<String, Integer> wrong = new ConcurrentHashMap<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Probe(Http http) {
            thread = new Thread(() -> {
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    Http.Reply r = http.get("/v0/stats");
                    slowestMs.accumulateAndGet(Duration.ofNanos(System.nanoTime() - t0).toMillis(), Math::max);
                    calls.incrementAndGet();
                    if (r.status() == 503) {
                        unavailable.incrementAndGet();
                        if (r.header("Retry-After") == null) {
                            wrong.merge("503 without Retry-After", 1, Integer::sum);
                        }
                    } else if (r.status() != 200) {
                        wrong.merge(r.status() + " " + r.body(), 1, Integer::sum);
                    }
                }
            }, "probe");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }
    }

    @Test
    void aLeaderKilledUnderLoadThroughTheServiceLosesNothingAndThenAQuorumLossDoesNotHang() throws Exception {
        Path executions = Files.createTempFile("adagio-executions-", ".log");
        int port = ServiceProcess.freePort();
        try (EtcdCluster cluster = EtcdCluster.start(3)) {
            try (ServiceProcess api = ServiceProcess.startOn(port, "--adagio.mode=api", "--adagio.backend=etcd",
                    "--adagio.etcd.endpoints=" + cluster.endpoints(), "--adagio.etcd.timeout=" + ETCD_TIMEOUT.toSeconds() + "s",
                    "--adagio.leases.ttl=10s", "--adagio.sse.heartbeat=500ms");
                 ServiceProcess pool = ServiceProcess.start("--adagio.mode=agent",
                         "--adagio.agent.server-url=http://127.0.0.1:" + port, "--adagio.agent.concurrency=4",
                         "--adagio.agent.id-prefix=under-load", "--adagio.agent.backoff-max=500ms",
                         "--spring.main.sources=" + RecordingRuntime.class.getName(), "--adagio.agent.runtimes=record",
                         "--adagio.test.executions=" + executions)) {
                Http http = api.http();
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        http.get("/v0/agents").json().path("agents").findValuesAsString("id").contains("under-load-0"));
                http.put("/v0/agents/observer", "{\"runtimes\":[{\"name\":\"record\"}]}");
                SseClient orphans = SseClient.open(http, "/v0/agents/observer/events?type=NODE_ORPHANED", null);
                List<String> runs = new ArrayList<>();
                long killedAt;
                long completedMs;
                try (Probe probe = new Probe(http)) {
                    for (int i = 0; i < RUNS; i++) {
                        runs.add(http.put("/v0/runs", run()).json().path("run").path("id").asString());
                    }
                    await().atMost(Duration.ofSeconds(60)).until(() -> RecordingRuntime.read(executions).size() >= RUNS * NODES / 4);
                    EtcdProcess leader = cluster.leader();
                    leader.kill();
                    killedAt = System.nanoTime();
                    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                        http.post("/v0/agents/observer/heartbeat", "");
                        return runs.stream().allMatch(id ->
                                "COMPLETED".equals(http.get("/v0/runs/" + id).json().path("run").path("status").asString()));
                    });
                    completedMs = Duration.ofNanos(System.nanoTime() - killedAt).toMillis();
                    probe.close();
                    assertThat(probe.wrong).as("answers other than 200 or a 503 with Retry-After").isEmpty();
                    assertThat(probe.slowestMs.get()).as("no call past the etcd timeout")
                            .isLessThan(ETCD_TIMEOUT.toMillis() + 2_000);
                    List<Execution> all = RecordingRuntime.read(executions);
                    Map<String, Long> perNode = all.stream().collect(Collectors.groupingBy(
                            e -> e.runId() + "/" + e.node(), Collectors.counting()));
                    assertThat(perNode).as("every node executed").hasSize(RUNS * NODES);
                    assertThat(perNode.values()).as("none executed twice").containsOnly(1L);
                    for (String id : runs) {
                        JsonNode run = http.get("/v0/runs/" + id).json().path("run");
                        assertThat(run.path("outcome").asString()).isEqualTo("SUCCEEDED");
                        for (JsonNode n : run.path("nodes")) {
                            assertThat(n.path("attempts")).as("one attempt recorded per execution").hasSize(1);
                        }
                    }
                    assertThat(orphans.of("NODE_ORPHANED")).as("no false orphans").isEmpty();
                    Faults.report("F3 etcd leader SIGKILL under load", Map.of("nodes", RUNS * NODES, "agents", 4,
                            "executions", all.size(), "duplicate_executions", 0, "lost_finishes", 0, "orphans", 0,
                            "completed_after_kill_ms", completedMs, "slowest_call_ms", probe.slowestMs.get(),
                            "probe_calls", probe.calls.get(), "probe_503s", probe.unavailable.get()));
                } finally {
                    orphans.close();
                }

                // quorum lost: two of three gone (the old leader is already down; one more)
                EtcdProcess another = cluster.members().stream().filter(EtcdProcess::isRunning).findFirst().orElseThrow();
                another.kill();
                long t0 = System.nanoTime();
                Http.Reply during = http.get("/v0/stats");
                long tookMs = Duration.ofNanos(System.nanoTime() - t0).toMillis();
                assertThat(during.status()).as(during.body()).isEqualTo(503);
                assertThat(tookMs).as("no hang without a quorum").isLessThan(ETCD_TIMEOUT.toMillis() + 2_000);
                await().atMost(ETCD_TIMEOUT.multipliedBy(3)).until(() -> http.get("/actuator/health/readiness").status() == 503);
                assertThat(http.get("/actuator/health/liveness").status()).isEqualTo(200);
                for (EtcdProcess m : cluster.members()) {
                    if (!m.isRunning()) {
                        m.restartWithoutWaiting();
                    }
                }
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                        .until(() -> http.get("/actuator/health/readiness").status() == 200);
                String after = http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"after\",\"runtime\":\"record\"}]}}")
                        .json().path("run").path("id").asString();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() ->
                        "COMPLETED".equals(http.get("/v0/runs/" + after).json().path("run").path("status").asString()));
            }
        }
    }
}
