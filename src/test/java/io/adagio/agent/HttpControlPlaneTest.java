package io.adagio.agent;

import io.adagio.agent.http.HttpControlPlane;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

import io.adagio.model.Event;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The agent port over the public HTTP + SSE API. */
class HttpControlPlaneTest extends ControlPlaneContract {
    @LocalServerPort
    int port;
    @Autowired
    JsonMapper json;

    @Override
    protected ControlPlane connect() {
        return new HttpControlPlane(URI.create("http://127.0.0.1:" + port), json, Duration.ofSeconds(10));
    }

    @Test
    void aCallThatCannotConnectSaysNothingWasSent() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        ControlPlane nowhere = new HttpControlPlane(URI.create("http://127.0.0.1:" + closed), json, Duration.ofSeconds(2));
        assertThatThrownBy(() -> nowhere.claimBatch("nobody", 1, Duration.ZERO, null))
                .isInstanceOfSatisfying(ControlPlane.Unavailable.class, u -> assertThat(u.mayHaveHappened())
                        .as("a claim that never reached the control plane claimed nothing").isFalse());
    }

    /**
     * A server on a raw socket that answers each request with what {@code answer} gives for its request line, and
     * then keeps the connection open without writing more (as a peer that is gone without a reset, or a proxy
     * that stopped forwarding): the half-open connection a client must notice by itself.
     */
    private static final class MuteServer implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0);
        final List<String> requests = new CopyOnWriteArrayList<>();
        final CountDownLatch done = new CountDownLatch(1);
        final List<Socket> held = new CopyOnWriteArrayList<>();

        MuteServer(Function<String, String> answer) throws Exception {
            Thread t = new Thread(() -> {
                try {
                    while (done.getCount() > 0) {
                        Socket c = socket.accept();
                        held.add(c);
                        BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
                        String line = in.readLine();
                        StringBuilder req = new StringBuilder(line);
                        for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
                            req.append('\n').append(h);
                        }
                        requests.add(req.toString());
                        String a = answer.apply(line);
                        if (a != null) {
                            OutputStream out = c.getOutputStream();
                            out.write(a.getBytes(StandardCharsets.UTF_8));
                            out.flush();
                        }
                    }
                } catch (Exception e) {
                    // closed
                }
            }, "mute-server");
            t.setDaemon(true);
            t.start();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        @Override
        public void close() throws Exception {
            done.countDown();
            socket.close();
            for (Socket c : held) {
                c.close();
            }
        }
    }

    private static final String EVENT = "{\"type\":\"NODE_READY\",\"run_id\":\"r\",\"node_spec\":{\"name\":\"a\",\"runtime\":\"debug\"}}";

    @Test
    void aStreamSilentForTwiceItsKeepAliveIsTakenAsDeadAndCanBeFollowedAgainFromWhereItWas() throws Exception {
        try (MuteServer server = new MuteServer(line -> "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + "Adagio-Keep-Alive: 200\r\nConnection: close\r\n\r\n"
                + ":keep-alive\n\nevent:NODE_READY\ndata:" + EVENT + "\nid:7.0\n\n")) {
            ControlPlane plane = new HttpControlPlane(server.uri(), json, Duration.ofSeconds(10));
            List<String> positions = new CopyOnWriteArrayList<>();
            ControlPlane.Listener listener = new ControlPlane.Listener() {
                @Override
                public void onEvent(Event event, String position) {
                    positions.add(position);
                }

                @Override
                public void onReset(String position) {
                }
            };
            long started = System.nanoTime();
            assertThatThrownBy(() -> plane.follow("a", List.of("debug"), null, listener))
                    .isInstanceOf(ControlPlane.Unavailable.class).hasMessageContaining("silent");
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(tookMs).as("dead after twice the keep-alive (400 ms) of silence, well before any read timeout")
                    .isBetween(400L, 5_000L);
            assertThat(positions).containsExactly("7.0");

            assertThatThrownBy(() -> plane.follow("a", List.of("debug"), "7.0", listener)).isInstanceOf(ControlPlane.Unavailable.class);
            assertThat(server.requests).hasSize(2);
            assertThat(server.requests.get(1)).as("followed again with the position it had").containsIgnoringCase("Last-Event-ID: 7.0");
        }
    }

    @Test
    void aHeartbeatGetsAThirdOfTheTtlNotTheWholeCallTimeout() throws Exception {
        String lease = "{\"agent\":{\"id\":\"a\",\"runtimes\":[{\"name\":\"debug\"}]},\"ttl_seconds\":3,\"heartbeat_interval_ms\":1000}";
        try (MuteServer server = new MuteServer(line -> line.startsWith("PUT")
                ? "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + lease.length()
                + "\r\nConnection: close\r\n\r\n" + lease
                : null)) { // a heartbeat is never answered
            ControlPlane plane = new HttpControlPlane(server.uri(), json, Duration.ofSeconds(30));
            assertThat(plane.register("a", List.of("debug"))).isEqualTo(3);
            long started = System.nanoTime();
            assertThatThrownBy(() -> plane.heartbeat("a")).isInstanceOf(ControlPlane.Unavailable.class);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                    .as("given up after a third of the 3 s TTL, so the next one can still renew in time").isBetween(900L, 2_500L);
        }
    }

    /** A long-poll claim blocked on a server that never answers, on a thread of its own. */
    private static CompletableFuture<Throwable> blockedClaim(ControlPlane plane, AtomicReference<Thread> thread) {
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                plane.claimBatch("a", 1, Duration.ofSeconds(20), null);
                ended.complete(null);
            } catch (Throwable e) {
                ended.complete(e);
            }
        }, "blocked-claim");
        t.setDaemon(true);
        thread.set(t);
        t.start();
        return ended;
    }

    @Test
    void closingItEndsTheCallsInFlightAsUnavailable() throws Exception {
        try (MuteServer server = new MuteServer(line -> null)) { // nothing is ever answered
            ControlPlane plane = new HttpControlPlane(server.uri(), json, Duration.ofSeconds(30));
            AtomicReference<Thread> thread = new AtomicReference<>();
            CompletableFuture<Throwable> ended = blockedClaim(plane, thread);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> server.requests.size() == 1);
            assertThat(ended).as("a long poll waits for its answer").isNotDone();
            plane.close();
            assertThat(ended.get(5, TimeUnit.SECONDS)).as("ended by the close, long before its 50 s")
                    .isInstanceOfSatisfying(ControlPlane.Unavailable.class, u -> assertThat(u.mayHaveHappened())
                            .as("the claim was sent: it may have been made").isTrue());
            assertThatThrownBy(() -> plane.heartbeat("a")).as("a closed port sends nothing more")
                    .isInstanceOf(ControlPlane.Unavailable.class);
            assertThat(server.requests).hasSize(1);
        }
    }

    @Test
    void closingItClosesTheConnectionsItKeptAlive() throws Exception {
        try (MuteServer server = new MuteServer(line -> line.contains("/heartbeat")
                ? "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                : null)) {
            ControlPlane plane = new HttpControlPlane(server.uri(), json, Duration.ofSeconds(30));
            assertThat(plane.heartbeat("a")).isTrue();
            Socket kept = server.held.get(0);
            kept.setSoTimeout(5_000);
            plane.close();
            assertThat(peerOf(kept)).as("the client's end of the kept-alive connection is closed (or reset)")
                    .isIn("closed", "reset");
        }
    }

    /** What the other end of {@code s} did, read within its timeout: closed, reset, still open, or sent more. */
    private static String peerOf(Socket s) throws Exception {
        try {
            return s.getInputStream().read() == -1 ? "closed" : "sent more";
        } catch (java.net.SocketTimeoutException e) {
            return "still open";
        } catch (java.net.SocketException e) {
            return "reset";
        }
    }

    @Test
    void aStoppingAgentsLongPollEndsAsAnInterruptionWhenItsPortIsClosed() throws Exception {
        try (MuteServer server = new MuteServer(line -> null)) {
            ControlPlane plane = new HttpControlPlane(server.uri(), json, Duration.ofSeconds(30));
            AtomicReference<Thread> thread = new AtomicReference<>();
            CompletableFuture<Throwable> ended = blockedClaim(plane, thread);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> server.requests.size() == 1);
            thread.get().interrupt(); // as PoolAgent.stop does once the grace is over, then closes the port
            plane.close();
            assertThat(ended.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
            // an interrupted thread's next long poll is not sent at all
            Thread.currentThread().interrupt();
            try {
                ControlPlane fresh = new HttpControlPlane(server.uri(), json, Duration.ofSeconds(30));
                assertThatThrownBy(() -> fresh.claimBatch("a", 1, Duration.ofSeconds(1), null))
                        .isInstanceOf(InterruptedException.class);
                fresh.close();
            } finally {
                Thread.interrupted();
            }
            assertThat(server.requests).hasSize(1);
        }
    }
}
