package io.adagio.faults;

import io.adagio.support.EtcdProcess;
import io.adagio.support.Http;
import io.adagio.support.ServiceProcess;
import io.adagio.support.TcpProxy;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * F5 of the fault suite: etcd compacts while an agent is cut off. The pool (its own JVM, behind a proxy) loses
 * its connections; meanwhile runs start (more events than the replica keeps, {@code adagio.etcd.history=20}) and
 * etcd is compacted past the pool's last event. When the path is back the pool follows its stream again with
 * its old Last-Event-ID, which neither the replica nor etcd can replay: it gets a RESET and the current set, and
 * every run completes, each node attempted once. Its own etcd, since compaction is cluster-wide.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CompactionIT {
    private static final int RUNS = 3;
    private static final int ROOTS = 15;

    private static String roots(int n) {
        return "{\"spec\":{\"nodes\":[" + IntStream.range(0, n).mapToObj(i -> "{\"name\":\"r" + i + "\",\"runtime\":\"debug\"}")
                .collect(Collectors.joining(",")) + "]}}";
    }

    private static boolean completed(Http http, String id) {
        return "COMPLETED".equals(http.get("/v0/runs/" + id).json().path("run").path("status").asString());
    }

    @Test
    void anAgentCutOffWhileEtcdCompactsGetsAResetAndTheCurrentSetAndEveryRunCompletes() throws Exception {
        int port = ServiceProcess.freePort();
        try (EtcdProcess etcd = EtcdProcess.start();
             Client admin = Client.builder().endpoints(etcd.endpoint()).build();
             ServiceProcess api = ServiceProcess.startOn(port, "--adagio.mode=api", "--adagio.backend=etcd",
                     "--adagio.etcd.endpoints=" + etcd.endpoint(), "--adagio.etcd.history=20",
                     "--adagio.sse.heartbeat=500ms");
             TcpProxy proxy = new TcpProxy(port);
             ServiceProcess pool = ServiceProcess.start("--adagio.mode=agent",
                     "--adagio.agent.server-url=http://127.0.0.1:" + proxy.port(), "--adagio.agent.concurrency=2",
                     "--adagio.agent.id-prefix=compacted", "--adagio.agent.backoff-max=1s")) {
            Http http = api.http();
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    http.get("/v0/agents").json().path("agents").findValuesAsString("id").contains("compacted-0"));
            String warm = http.put("/v0/runs", roots(2)).json().path("run").path("id").asString();
            await().atMost(Duration.ofSeconds(30)).until(() -> completed(http, warm));

            proxy.cut();
            long cutAt = System.nanoTime();
            List<String> runs = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                runs.add(http.put("/v0/runs", roots(ROOTS)).json().path("run").path("id").asString());
            }
            long revision = admin.getKVClient().get(ByteSequence.from("any", StandardCharsets.UTF_8))
                    .get(5, TimeUnit.SECONDS).getHeader().getRevision();
            admin.getKVClient().compact(revision).get(5, TimeUnit.SECONDS);
            assertThat(runs).allSatisfy(id -> assertThat(completed(http, id)).as("nothing ran while cut off").isFalse());
            proxy.restore();
            long restoredAt = System.nanoTime();

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> runs.stream().allMatch(id -> completed(http, id)));
            long completedMs = Duration.ofNanos(System.nanoTime() - restoredAt).toMillis();
            assertThat(pool.output()).as("the pool was told its history was lost")
                    .contains("event history was lost; the current set follows");
            for (String id : runs) {
                for (JsonNode n : http.get("/v0/runs/" + id).json().path("run").path("nodes")) {
                    assertThat(n.path("attempts")).as("%s/%s attempted once", id, n.path("spec").path("name")).hasSize(1);
                }
            }
            Faults.report("F5 compaction while an agent is cut off", Map.of("runs", RUNS, "nodes", RUNS * ROOTS,
                    "cut_ms", Duration.ofNanos(restoredAt - cutAt).toMillis(), "completed_after_restore_ms", completedMs,
                    "reset", true, "nodes_attempted_more_than_once", 0));
        }
    }
}
