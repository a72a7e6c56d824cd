package io.adagio.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A local single-member etcd for tests on free loopback ports with a temporary data directory (deleted by
 * {@link #close}). {@link #kill}, {@link #stop}, {@link #pause}, {@link #resume} and {@link #restart} (same ports,
 * same data) serve fault tests; {@link EtcdCluster} makes members of a cluster. {@link #shared()} is one etcd per
 * JVM; tests on it use their own list or namespace.
 *
 * <p>It runs as {@link EtcdRunner} chooses: the local {@code etcd} binary, or a Testcontainers container
 * ({@value EtcdRunner#IMAGE}, host network, data directory bind-mounted) where a Docker engine answers
 * ({@code -Dadagio.test.etcd=binary|container|auto}). With no etcd at all the test fails with what to install —
 * also, and especially, when {@code CI=true}. Never a skip.
 */
public final class EtcdProcess implements AutoCloseable {
    /** Flags given beyond the ones every test etcd gets. */
    private List<String> flags = List.of();
    private static EtcdProcess shared;

    private final EtcdRunner runner;
    private final Path dataDir;
    private final Path log;
    private final int clientPort;
    private final int peerPort;
    /** The member's name and the cluster it belongs to (a cluster of one unless {@link EtcdCluster} made it). */
    private String name = "test";
    private String initialCluster;
    /** Set when it speaks TLS to clients ({@link #startSecure}): its certificates; health is then asked on a plain metrics port. */
    private TestCerts certs;
    private int metricsPort;

    private EtcdProcess(int clientPort, int peerPort) throws IOException {
        Path base = Files.createTempDirectory("adagio-etcd-");
        this.dataDir = base.resolve("data");
        this.log = base.resolve("etcd.log");
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.initialCluster = name + "=" + peerUrl();
        this.runner = EtcdRunner.choose(base, log);
    }

    /** Starts a new etcd and waits until it is healthy. */
    public static EtcdProcess start() {
        return start(new String[0]);
    }

    /** Starts a new etcd with more flags (e.g. {@code --max-request-bytes=65536}) and waits until it is healthy. */
    public static EtcdProcess start(String... flags) {
        try {
            EtcdProcess p = new EtcdProcess(freePort(), freePort());
            p.flags = List.of(flags);
            p.launch();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a new etcd that speaks only TLS to clients ({@code https://}), with the server certificate of
     * {@link TestCerts#in certs made under its own directory} and {@code --client-cert-auth} (a client needs a
     * certificate signed by the same CA); waits until it is healthy.
     */
    public static EtcdProcess startSecure(String... flags) {
        try {
            EtcdProcess p = new EtcdProcess(freePort(), freePort());
            p.certs = TestCerts.in(p.dataDir.getParent().resolve("certs"));
            p.metricsPort = freePort();
            List<String> all = new ArrayList<>(List.of("--cert-file", p.certs.serverCert().toString(),
                    "--key-file", p.certs.serverKey().toString(), "--trusted-ca-file", p.certs.ca().toString(),
                    "--client-cert-auth", "--listen-metrics-urls", "http://127.0.0.1:" + p.metricsPort));
            all.addAll(List.of(flags));
            p.flags = List.copyOf(all);
            p.launch();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The certificates of an etcd {@link #startSecure started secure}; null otherwise. */
    public TestCerts certs() {
        return certs;
    }

    /**
     * A member of a cluster ({@link EtcdCluster}): not started yet; {@link #launch(boolean)} starts it.
     *
     * @param initialCluster {@code name=peerUrl,…} of every member
     */
    static EtcdProcess member(String name, int clientPort, int peerPort, String initialCluster, String... flags) {
        try {
            EtcdProcess p = new EtcdProcess(clientPort, peerPort);
            p.name = name;
            p.initialCluster = initialCluster;
            p.flags = List.of(flags);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This member's name. */
    public String name() {
        return name;
    }

    String peerUrl() {
        return "http://127.0.0.1:" + peerPort;
    }

    /** The etcd shared by every test of this JVM, started on first use, stopped at JVM exit. */
    public static synchronized EtcdProcess shared() {
        if (shared == null || !shared.isRunning()) {
            if (shared != null) {
                shared.close();
            }
            shared = start();
            EtcdProcess mine = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(mine::close, "etcd-test-stop"));
        }
        return shared;
    }

    /** The client URL, e.g. {@code http://127.0.0.1:40123}. */
    public String endpoint() {
        return (certs == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
    }

    public synchronized boolean isRunning() {
        return runner.alive();
    }

    /** SIGKILL, as a crash. */
    public synchronized void kill() {
        runner.kill();
    }

    /** SIGTERM, a clean stop. */
    public synchronized void stop() {
        runner.stop();
    }

    /** SIGSTOP (or {@code docker pause}): etcd keeps its sockets and answers nothing, as a frozen or partitioned member. */
    public synchronized void pause() {
        runner.pause();
    }

    /** SIGCONT (or {@code docker unpause}) after {@link #pause}. */
    public synchronized void resume() {
        runner.resume();
    }

    /** Starts it again on the same ports with the same data (after {@link #kill} or {@link #stop}). */
    public synchronized void restart() {
        runner.kill();
        launch();
    }

    /** Starts it again after a {@link #kill}, without waiting for it to be healthy (a member waits for a quorum). */
    public synchronized void restartWithoutWaiting() {
        runner.kill();
        launch(false);
    }

    @Override
    public synchronized void close() {
        runner.kill();
        try (Stream<Path> files = Files.walk(dataDir.getParent())) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    private synchronized void launch() {
        launch(true);
    }

    /** Starts the member; with {@code waitHealthy}, waits until its {@code /health} says so. */
    synchronized void launch(boolean waitHealthy) {
        List<String> args = new ArrayList<>(List.of("--name", name, "--data-dir", dataDir.toString(),
                "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", peerUrl(), "--initial-advertise-peer-urls", peerUrl(),
                "--initial-cluster", initialCluster, "--initial-cluster-token", "adagio-test-" + initialCluster.hashCode()));
        args.addAll(flags);
        runner.launch(args);
        if (waitHealthy) {
            awaitHealthy();
        }
    }

    /** Waits until the member answers {@code /health} with true (a cluster member: once it has a leader). */
    synchronized void awaitHealthy() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsInstanceOf(IOException.class).until(() -> { // not yet listening; an exit fails at once
            if (!runner.alive()) {
                throw new IllegalStateException("etcd exited; " + log + " ends with:\n" + logTail());
            }
            String health = certs == null ? endpoint() : "http://127.0.0.1:" + metricsPort;
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(health + "/health"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("true");
        });
    }

    /** The last lines of the member's log, for a failure message (the log itself is gone with a CI machine). */
    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    static int freePort() throws IOException {
        return FreePorts.next();
    }
}
