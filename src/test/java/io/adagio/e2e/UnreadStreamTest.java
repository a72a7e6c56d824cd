package io.adagio.e2e;

import io.adagio.support.Http;
import io.adagio.support.SseClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One agent's event stream is open but never read (a client hung, a proxy that stopped forwarding): the pool,
 * over HTTP, runs a 500-node fan-out meanwhile with every node attempted exactly once and nothing orphaned (the
 * unread stream neither blocks other streams nor anyone's lease), and the server ends that stream after the
 * write deadline while the agent, which still calls, keeps its lease.
 */
@Timeout(120)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "adagio.mode=all", "adagio.agent.transport=http", "adagio.agent.concurrency=2", "adagio.agent.slots=4",
        "adagio.leases.ttl=2s", "adagio.sse.heartbeat=200ms", "adagio.sse.write-timeout=1s",
        "adagio.limits.max-request-size=32MB", "adagio.limits.max-run-size=64MB"})
class UnreadStreamTest {
    private static final int LEAVES = 499;

    @LocalServerPort
    int port;

    /**
     * A fan-out whose node specs are padded, so its events (10 MB) are more than the socket buffers hold (the
     * kernel lets a sender's grow to 4 MB here).
     */
    private static String paddedFanOut() {
        String pad = "x".repeat(20_000);
        StringBuilder nodes = new StringBuilder("{\"name\":\"root\",\"runtime\":\"debug\"}");
        StringBuilder edges = new StringBuilder();
        for (int i = 0; i < LEAVES; i++) {
            nodes.append(",{\"name\":\"leaf-").append(i).append("\",\"runtime\":\"debug\",\"metadata\":{\"pad\":{\"values\":[\"")
                    .append(pad).append("\"]}}}");
            edges.append(i == 0 ? "" : ",").append("{\"source\":\"root\",\"destination\":\"leaf-").append(i).append("\"}");
        }
        return "{\"spec\":{\"nodes\":[" + nodes + "],\"edges\":[" + edges + "]}}";
    }

    private static double openStreams(Http http) {
        return http.get("/actuator/metrics/adagio.sse.streams").json().path("measurements").get(0).path("value").asDouble();
    }

    @Test
    void aStreamNobodyReadsHurtsNoOtherAgentAndIsEndedAfterTheWriteDeadline() throws Exception {
        Http http = new Http(port);
        SseClient orphans = SseClient.open(http, "/v0/agents/watcher/events?runtime=elsewhere&type=NODE_ORPHANED", null);
        try (Socket stuck = new Socket()) {
            stuck.setReceiveBufferSize(1024);
            stuck.connect(new InetSocketAddress("127.0.0.1", port));
            OutputStream out = stuck.getOutputStream();
            out.write(("GET /v0/agents/stuck/events?runtime=debug HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    http.get("/v0/agents").json().path("agents").findValuesAsString("id").contains("stuck"));
            await().atMost(Duration.ofSeconds(10)).until(() -> openStreams(http) == 3); // the pool's, the watcher's, it

            Http.Reply started = http.put("/v0/runs", paddedFanOut());
            assertThat(started.status()).as("started: %s", started.problem()).isIn(200, 201);
            String run = started.json().path("run").path("id").asString();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                http.post("/v0/agents/stuck/heartbeat", ""); // the stuck agent still calls: its lease lives
                return "COMPLETED".equals(http.get("/v0/runs/" + run).json().path("run").path("status").asString());
            });

            JsonNode nodes = http.get("/v0/runs/" + run).json().path("run").path("nodes");
            assertThat(nodes).hasSize(LEAVES + 1);
            for (JsonNode n : nodes) {
                assertThat(n.path("attempts")).as("node %s attempted once", n.path("spec").path("name")).hasSize(1);
                assertThat(n.path("attempts").get(0).path("conclusion").asString()).isEqualTo("SUCCESS");
            }
            assertThat(orphans.of("NODE_ORPHANED")).as("no node was orphaned").isEmpty();

            // the unread stream is ended by the server (the pool's stream and the watcher's stay), and once drained
            // the socket ends (while it was alive, keep-alives would come forever)
            await().atMost(Duration.ofSeconds(20)).until(() -> openStreams(http) == 2);
            InputStream in = stuck.getInputStream();
            stuck.setSoTimeout(500);
            byte[] buf = new byte[65536];
            long read = 0;
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int n = 0;
            while (n >= 0 && System.nanoTime() < until) {
                try {
                    n = in.read(buf);
                    read += Math.max(0, n);
                } catch (java.net.SocketTimeoutException quiet) {
                    http.post("/v0/agents/stuck/heartbeat", ""); // still calling while the rest drains: the lease lives
                }
            }
            assertThat(n).as("the stream ended (after %d bytes)", read).isEqualTo(-1);
            assertThat(read).as("less than its 10 MB of events was written").isLessThan(10_000_000L);
            assertThat(http.get("/v0/agents").json().path("agents").findValuesAsString("id")).as("its lease lives on")
                    .contains("stuck");
        } finally {
            orphans.close();
        }
    }
}
