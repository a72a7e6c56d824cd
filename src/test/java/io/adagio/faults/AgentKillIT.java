package io.adagio.faults;

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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * F1 of the fault suite: an agent process SIGKILLed while it runs a node, {@link Faults#repeat} times (3 in
 * {@code verify}, 20 with {@code -Pfaults}), on etcd with a 2 s TTL. Each time the node is NODE_ORPHANED within
 * TTL + 2 s of the kill, the next agent process claims it, finishes it ERROR ("orphaned") and, its retry rule
 * allowing a second attempt, runs it again; the other nodes of the run, finished before the kill, are untouched.
 * Executions are counted from the work itself ({@link RecordingRuntime}): per run the killed node exactly twice
 * (attempt 1 by the killed agent, attempt 2 by the next), every other node exactly once.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class AgentKillIT {
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final List<String> QUICK = List.of("q0", "q1", "q2");

    private static String run(int i) {
        String slow = "{\"name\":\"slow\",\"runtime\":\"record\",\"metadata\":{\"adagio.arguments.record.hold-first\":"
                + "{\"values\":[\"true\"]}},\"retry\":{\"error\":{\"max_attempts\":2}}}";
        String quick = QUICK.stream().map(q -> "{\"name\":\"" + q + "\",\"runtime\":\"record\"}")
                .collect(Collectors.joining(","));
        return "{\"spec\":{\"nodes\":[" + slow + "," + quick + "]}}";
    }

    private static ServiceProcess agent(int port, int i, Path executions) throws Exception {
        return ServiceProcess.start("--adagio.mode=agent", "--adagio.agent.server-url=http://127.0.0.1:" + port,
                "--adagio.agent.concurrency=2", "--adagio.agent.id-prefix=victim" + i,
                "--spring.main.sources=" + RecordingRuntime.class.getName(), "--adagio.agent.runtimes=record",
                "--adagio.test.executions=" + executions);
    }

    @Test
    void anAgentKilledMidNodeIsOrphanedWithinTheTtlAndOnlyThatNodeRunsAgain() throws Exception {
        int repeat = Faults.repeat(3, 20);
        Path executions = Files.createTempFile("adagio-executions-", ".log");
        EtcdProcess etcd = EtcdProcess.shared();
        int port = ServiceProcess.freePort();
        List<Long> orphanedAfterMs = new ArrayList<>();
        List<String> runs = new ArrayList<>();
        try (ServiceProcess api = ServiceProcess.startOn(port, "--adagio.mode=api", "--adagio.backend=etcd",
                "--adagio.etcd.endpoints=" + etcd.endpoint(), "--adagio.etcd.list=f1-" + System.nanoTime(),
                "--adagio.leases.ttl=" + TTL.toSeconds() + "s", "--adagio.sse.heartbeat=500ms")) {
            Http http = api.http();
            // an observer that never claims: it sees NODE_ORPHANED as every agent does
            assertThat(http.put("/v0/agents/observer", "{\"runtimes\":[{\"name\":\"record\"}]}").status()).isEqualTo(200);
            SseClient orphans = SseClient.open(http, "/v0/agents/observer/events?type=NODE_ORPHANED", null);
            ServiceProcess current = agent(port, 0, executions);
            try {
                for (int i = 0; i < repeat; i++) {
                    String id = http.put("/v0/runs", run(i)).json().path("run").path("id").asString();
                    runs.add(id);
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                        http.post("/v0/agents/observer/heartbeat", "");
                        JsonNode nodes = http.get("/v0/runs/" + id).json().path("run").path("nodes");
                        long quickDone = 0;
                        for (JsonNode n : nodes) {
                            if (QUICK.contains(n.path("spec").path("name").asString())
                                    && "COMPLETED".equals(n.path("status").asString())) {
                                quickDone++;
                            }
                        }
                        return quickDone == QUICK.size() && RecordingRuntime.read(executions).stream()
                                .anyMatch(e -> e.runId().equals(id) && e.node().equals("slow"));
                    });

                    current.process().destroyForcibly(); // SIGKILL, mid-node
                    long killedAt = System.nanoTime();
                    current.process().waitFor(10, TimeUnit.SECONDS);
                    await().atMost(TTL.plusSeconds(2).plusMillis(500)).pollInterval(Duration.ofMillis(25)).until(() -> {
                        http.post("/v0/agents/observer/heartbeat", "");
                        return orphans.of("NODE_ORPHANED").stream().anyMatch(m -> m.data().contains(id));
                    });
                    orphanedAfterMs.add(Duration.ofNanos(System.nanoTime() - killedAt).toMillis());

                    current = agent(port, i + 1, executions); // the next agent takes the orphan over
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                        http.post("/v0/agents/observer/heartbeat", "");
                        return "COMPLETED".equals(http.get("/v0/runs/" + id).json().path("run").path("status").asString());
                    });
                    JsonNode slow = http.get("/v0/runs/" + id + "/nodes/slow").json().path("node");
                    assertThat(slow.path("attempts").findValuesAsString("conclusion"))
                            .as("the orphan's ERROR, then the second attempt").containsExactly("ERROR", "SUCCESS");
                    assertThat(http.get("/v0/runs/" + id).json().path("run").path("outcome").asString())
                            .isEqualTo("SUCCEEDED");
                }
            } finally {
                orphans.close();
                current.close();
            }
        }

        List<Execution> all = RecordingRuntime.read(executions);
        Map<String, List<Execution>> byNode = all.stream()
                .collect(Collectors.groupingBy(e -> e.runId() + "/" + e.node() + "#" + e.attempt()));
        assertThat(byNode.values()).as("no attempt executed twice").allSatisfy(l -> assertThat(l).hasSize(1));
        for (int i = 0; i < runs.size(); i++) {
            String id = runs.get(i);
            List<Execution> slow = all.stream().filter(e -> e.runId().equals(id) && e.node().equals("slow")).toList();
            assertThat(slow).extracting(Execution::attempt).as("run %d: killed, then run again", i).containsExactly(1, 2);
            assertThat(slow.get(0).agentId()).startsWith("victim" + i + "-");
            assertThat(slow.get(1).agentId()).startsWith("victim" + (i + 1) + "-");
            for (String q : QUICK) {
                assertThat(all.stream().filter(e -> e.runId().equals(id) && e.node().equals(q)))
                        .as("run %d, %s: untouched", i, q).hasSize(1);
            }
        }
        assertThat(orphanedAfterMs).allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(TTL.plusSeconds(2).toMillis()));
        List<Long> sorted = new ArrayList<>(orphanedAfterMs);
        Collections.sort(sorted);
        Faults.report("F1 agent SIGKILL mid-node", Map.of("repetitions", repeat, "orphaned_after_ms_median",
                sorted.get(sorted.size() / 2), "orphaned_after_ms_max", sorted.get(sorted.size() - 1),
                "executions", all.size(), "duplicate_executions", 0));
    }
}
