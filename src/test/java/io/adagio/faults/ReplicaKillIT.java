package io.adagio.faults;

import io.adagio.support.EtcdProcess;
import io.adagio.support.Http;
import io.adagio.support.ServiceProcess;
import io.adagio.support.SseClient;
import io.adagio.support.TcpProxy;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * F4 of the fault suite: the replica that agents stream from is SIGKILLed mid-run. Two API replicas share one
 * etcd, with a pool on each (their own JVMs); one pool and an observing agent reach theirs through a proxy standing
 * in for a load balancer,
 * which sends new connections to the replica left once the first is gone. The pool keeps its lease (its calls
 * reach the other replica within the TTL), so nothing is orphaned and every node runs once; the observer follows
 * its stream again on the other replica with its Last-Event-ID and has seen every NODE_READY exactly once —
 * compared with etcd's own record of the READY keys created (a watch of {@code states/ready/}).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReplicaKillIT {
    /** Roots in waves: each node sleeps, so the run is still going when the replica dies. */
    private static String run() {
        String nodes = IntStream.range(0, 40).mapToObj(i -> "{\"name\":\"n" + i + "\",\"runtime\":\"debug\","
                + "\"metadata\":{\"adagio.arguments.debug.sleep\":{\"values\":[\"150ms\"]}}}").collect(Collectors.joining(","));
        String edges = IntStream.range(10, 40).mapToObj(i -> "{\"source\":\"n" + (i - 10) + "\",\"destination\":\"n" + i + "\"}")
                .collect(Collectors.joining(","));
        return "{\"spec\":{\"nodes\":[" + nodes + "],\"edges\":[" + edges + "]}}";
    }

    @Test
    void agentsMoveToTheReplicaLeftAndNoEventIsLostOrRepeated() throws Exception {
        String list = "f4-" + System.nanoTime();
        String[] replica = {"--adagio.mode=api", "--adagio.backend=etcd", "--adagio.etcd.endpoints="
                + EtcdProcess.shared().endpoint(), "--adagio.etcd.list=" + list, "--adagio.leases.ttl=5s",
                "--adagio.sse.heartbeat=500ms"};
        String prefix = "v0/" + list + "/states/ready/run/";
        List<String> readyKeys = Collections.synchronizedList(new ArrayList<>());
        try (Client admin = Client.builder().endpoints(EtcdProcess.shared().endpoint()).build();
             Watch.Watcher etcdRecord = admin.getWatchClient().watch(ByteSequence.from(prefix, StandardCharsets.UTF_8),
                     WatchOption.builder().isPrefix(true).build(), r -> {
                         for (WatchEvent e : r.getEvents()) {
                             if (e.getEventType() == WatchEvent.EventType.PUT && e.getKeyValue().getVersion() == 1) {
                                 String[] p = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8)
                                         .substring(prefix.length()).split("/node/");
                                 readyKeys.add(p[0] + "/" + p[1]);
                             }
                         }
                     });
             ServiceProcess a = ServiceProcess.start(replica);
             ServiceProcess b = ServiceProcess.start(replica);
             TcpProxy balancer = new TcpProxy(a.port());
             ServiceProcess pool = ServiceProcess.start("--adagio.mode=agent",
                     "--adagio.agent.server-url=http://127.0.0.1:" + balancer.port(), "--adagio.agent.concurrency=3",
                     "--adagio.agent.id-prefix=moving", "--adagio.agent.backoff-max=500ms");
             ServiceProcess staying = ServiceProcess.start("--adagio.mode=agent",
                     "--adagio.agent.server-url=http://127.0.0.1:" + b.port(), "--adagio.agent.concurrency=2",
                     "--adagio.agent.id-prefix=staying", "--adagio.agent.backoff-max=500ms")) {
            Http viaBalancer = new Http(balancer.port());
            await().atMost(Duration.ofSeconds(20)).until(() -> b.http().get("/v0/agents").json().path("agents")
                    .findValuesAsString("id").containsAll(List.of("moving-0", "staying-0")));
            assertThat(viaBalancer.put("/v0/agents/observer", "{\"runtimes\":[{\"name\":\"debug\"}]}").status()).isEqualTo(200);
            SseClient observer = SseClient.open(viaBalancer, "/v0/agents/observer/events?type=NODE_READY,NODE_ORPHANED", null);
            List<SseClient.Message> seen = new ArrayList<>();
            try {
                String id = b.http().put("/v0/runs", run()).json().path("run").path("id").asString();
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() ->
                        completedNodes(b.http(), id) >= 10);

                a.process().destroyForcibly(); // SIGKILL, with the pool's and the observer's streams on it
                long killedAt = System.nanoTime();
                balancer.retarget(b.port());
                await().atMost(Duration.ofSeconds(5)).until(observer::ended);
                seen.addAll(observer.messages);
                String last = observer.lastEventId();
                observer.close();
                // events while the observer is away: a second run's roots, to be had by resuming on the other replica
                String second = b.http().put("/v0/runs", run()).json().path("run").path("id").asString();
                await().atMost(Duration.ofSeconds(10)).until(() -> readyKeys.stream().filter(k -> k.startsWith(second))
                        .count() >= 10);
                observer = SseClient.open(viaBalancer, "/v0/agents/observer/events?type=NODE_READY,NODE_ORPHANED", last);

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    viaBalancer.post("/v0/agents/observer/heartbeat", "");
                    return List.of(id, second).stream().allMatch(r ->
                            "COMPLETED".equals(b.http().get("/v0/runs/" + r).json().path("run").path("status").asString()));
                });
                long movedMs = Duration.ofNanos(System.nanoTime() - killedAt).toMillis();
                SseClient resumed = observer;
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    List<String> all = new ArrayList<>(observedReady(seen, id, second));
                    all.addAll(observedReady(resumed.messages, id, second));
                    assertThat(all.stream().sorted().toList()).as("exactly the READY keys etcd created, none twice")
                            .isEqualTo(readyKeys.stream().filter(k -> k.startsWith(id + "/") || k.startsWith(second + "/"))
                                    .sorted().toList());
                });
                seen.addAll(observer.messages);

                for (String r : List.of(id, second)) {
                    JsonNode runNow = b.http().get("/v0/runs/" + r).json().path("run");
                    assertThat(runNow.path("outcome").asString()).isEqualTo("SUCCEEDED");
                    for (JsonNode n : runNow.path("nodes")) {
                        assertThat(n.path("attempts")).as("%s run once", n.path("spec").path("name")).hasSize(1);
                    }
                }
                assertThat(seen).as("no orphans").noneMatch(m -> "NODE_ORPHANED".equals(m.event()));
                List<String> observed = observedReady(seen, id, second);
                List<String> recorded = readyKeys.stream().filter(k -> k.startsWith(id + "/") || k.startsWith(second + "/"))
                        .sorted().toList();
                assertThat(observed).as("NODE_READY events, none twice").doesNotHaveDuplicates();
                assertThat(recorded).as("roots and the nodes readied without a dispatch").isNotEmpty();
                Faults.report("F4 replica SIGKILL with live streams", Map.of("ready_events", observed.size(),
                        "ready_keys_in_etcd", recorded.size(), "lost", 0, "duplicated", 0, "orphans", 0,
                        "runs_completed_after_kill_ms", movedMs));
            } finally {
                observer.close();
            }
        }
    }

    private static long completedNodes(Http http, String id) {
        long n = 0;
        for (JsonNode node : http.get("/v0/runs/" + id).json().path("run").path("nodes")) {
            n += "COMPLETED".equals(node.path("status").asString()) ? 1 : 0;
        }
        return n;
    }

    /** run/node of each NODE_READY message of the runs, in the order received. */
    private static List<String> observedReady(List<SseClient.Message> messages, String... runs) {
        List<String> ids = List.of(runs);
        List<String> out = new ArrayList<>();
        synchronized (messages) {
            for (SseClient.Message m : messages) {
                if ("NODE_READY".equals(m.event()) && m.data() != null) {
                    JsonNode e = Http.tree(m.data());
                    if (ids.contains(e.path("run_id").asString())) {
                        out.add(e.path("run_id").asString() + "/" + e.path("node_spec").path("name").asString());
                    }
                }
            }
        }
        return out;
    }
}
