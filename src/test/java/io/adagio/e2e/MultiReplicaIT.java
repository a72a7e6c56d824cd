package io.adagio.e2e;

import io.adagio.support.EtcdProcess;
import io.adagio.support.Http;
import io.adagio.support.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real processes on one local etcd: two API replicas (A and B, {@code adagio.mode=api}, etcd backend, one list)
 * and an agent pool ({@code adagio.mode=agent}) attached to B only. A run started through A is run by B's
 * agents; B is killed (SIGKILL) as soon as one of them holds a node (its claim's answer may die with B) and comes
 * back on the same port within the lease TTL: the node is never orphaned and completes with its one attempt. The processes are shared; each test
 * starts once both of B's agents are registered, whatever ran before it, so no test depends on another's order.
 */
@Timeout(240)
class MultiReplicaIT {
    /** Long enough for B to be killed and started again (a JVM start takes 5–8 s here) before the lease ends. */
    private static final String TTL = "20s";
    private static final String LIST = "replicas-" + System.nanoTime();

    private static ServiceProcess a;
    private static ServiceProcess b;
    private static ServiceProcess pool;

    private static String[] replicaArgs() {
        return new String[]{"--adagio.mode=api", "--adagio.backend=etcd",
                "--adagio.etcd.endpoints=" + EtcdProcess.shared().endpoint(), "--adagio.etcd.list=" + LIST,
                "--adagio.leases.ttl=" + TTL};
    }

    private static CompletableFuture<ServiceProcess> starting(int port, String... args) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return ServiceProcess.startOn(port, args);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @BeforeAll
    static void startProcesses() throws Exception {
        EtcdProcess.shared();
        int portB = ServiceProcess.freePort();
        // the three JVMs start side by side; the pool retries until B answers
        CompletableFuture<ServiceProcess> startA = starting(ServiceProcess.freePort(), replicaArgs());
        CompletableFuture<ServiceProcess> startB = starting(portB, replicaArgs());
        CompletableFuture<ServiceProcess> startPool = starting(ServiceProcess.freePort(), "--adagio.mode=agent",
                "--adagio.agent.server-url=http://127.0.0.1:" + portB, "--adagio.agent.concurrency=2",
                "--adagio.agent.id-prefix=pool-b", "--adagio.agent.backoff-max=1s");
        a = startA.get();
        b = startB.get();
        pool = startPool.get();
    }

    @BeforeEach
    void bothAgentsOfBAreRegistered() {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> b.http().get("/actuator/health")
                .status() == 200 && a.http().get("/v0/agents").json().path("agents").size() == 2);
    }

    @AfterAll
    static void stopProcesses() {
        for (ServiceProcess p : new ServiceProcess[]{pool, b, a}) {
            if (p != null) {
                p.close();
            }
        }
    }

    private static String start(Http http, String body) {
        Http.Reply r = http.put("/v0/runs", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("run").path("id").asString();
    }

    private static JsonNode awaitCompleted(Http http, String id, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() ->
                "COMPLETED".equals(http.get("/v0/runs/" + id).json().path("run").path("status").asString()));
        return http.get("/v0/runs/" + id).json().path("run");
    }

    /** The end of a process's output, enough to say which path a node took. */
    private static String tail(String output) {
        return output.length() <= 20_000 ? output : output.substring(output.length() - 20_000);
    }

    private static List<String> conclusions(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.path("attempts").forEach(x -> out.add(x.path("conclusion").asString()));
        return out;
    }

    @Test
    void aRunStartedThroughOneReplicaIsRunByTheAgentsOfTheOther() {
        assertThat(a.http().get("/v0/agents").json().path("agents").findValuesAsString("id"))
                .as("the agents attached to B, seen through A").containsExactlyInAnyOrder("pool-b-0", "pool-b-1");
        String id = start(a.http(), "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"},"
                + "{\"name\":\"b\",\"runtime\":\"debug\"},{\"name\":\"c\",\"runtime\":\"debug\"}],"
                + "\"edges\":[{\"source\":\"a\",\"destination\":\"c\"},{\"source\":\"b\",\"destination\":\"c\"}]}}");
        JsonNode run = awaitCompleted(a.http(), id, Duration.ofSeconds(30));
        assertThat(run.path("outcome").asString()).isEqualTo("SUCCEEDED");
        JsonNode throughB = b.http().get("/v0/runs/" + id).json().path("run");
        assertThat(throughB.path("status").asString()).isEqualTo("COMPLETED");
        for (JsonNode n : run.path("nodes")) {
            assertThat(conclusions(n)).containsExactly("SUCCESS");
        }
    }

    @Test
    void killingTheReplicaAnAgentTalksToOrphansNothingWhenItComesBackWithinTheTtl() throws Exception {
        String id = start(a.http(), "{\"spec\":{\"nodes\":[{\"name\":\"slow\",\"runtime\":\"debug\","
                + "\"metadata\":{\"adagio.arguments.debug.sleep\":{\"values\":[\"3s\"]}}}]}}");
        // B dies as soon as the node is RUNNING, possibly before the claim's answer reached the agent: the agent
        // then asks B, back, for the claims of its request id, and runs the node (nothing released, nothing lost)
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> "RUNNING".equals(
                a.http().get("/v0/runs/" + id + "/nodes/slow").json().path("node").path("status").asString()));

        int port = b.port();
        b.kill();
        b.process().waitFor();
        b = ServiceProcess.startOn(port, replicaArgs());

        JsonNode run = awaitCompleted(a.http(), id, Duration.ofSeconds(60));
        JsonNode slow = run.path("nodes").get(0);
        assertThat(conclusions(slow)).as("one attempt, never orphaned: %s%nthe pool said:%n%s", slow, tail(pool.output()))
                .containsExactly("SUCCESS");
        assertThat(run.path("outcome").asString()).isEqualTo("SUCCEEDED");
        JsonNode stats = a.http().get("/v0/stats").json();
        assertThat(stats.findValue("orphaned_count").asLong()).as(stats.toString()).isZero();
        assertThat(stats.findValue("running_count").asLong()).as(stats.toString()).isZero();
        assertThat(a.http().get("/v0/agents").json().path("agents").findValuesAsString("id"))
                .containsExactlyInAnyOrder("pool-b-0", "pool-b-1");
    }
}
