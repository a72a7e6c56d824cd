package io.adagio.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
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
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A local single-member etcd for tests: the {@code etcd} binary on free loopback ports with a temporary data
 * directory (deleted by {@link #close}). {@link #kill}, {@link #stop} and {@link #restart} (same ports, same
 * data) serve fault tests. {@link #shared()} is one etcd per JVM; tests on it use their own list or namespace.
 *
 * <p>Finding etcd: {@code etcd} on the PATH or {@code /usr/bin/etcd}; else, as root on Debian/Ubuntu,
 * {@code apt-get install -y etcd-server}; else, when a Docker engine answers ({@code docker info}), etcd runs in
 * a container ({@value #IMAGE}, host network, the same data directory bind-mounted, so kill and restart keep
 * their meaning). With no etcd at all the test fails with what to install — also, and especially, when
 * {@code CI=true}. Never a skip. (The container path cannot be exercised on machines without Docker.)
 */
public final class EtcdProcess implements AutoCloseable {
    /** Flags given beyond the ones every test etcd gets. */
    private List<String> flags = List.of();
    /** The image used when etcd runs in Docker. */
    static final String IMAGE = "quay.io/coreos/etcd:v3.5.21";
    private static EtcdProcess shared;

    /** The command that runs etcd: the binary, or {@code docker run … IMAGE etcd}. */
    private final List<String> launcher;
    private final String container;
    private final Path dataDir;
    private final Path log;
    private final int clientPort;
    private final int peerPort;
    /** The member's name and the cluster it belongs to (a cluster of one unless {@link EtcdCluster} made it). */
    private String name = "test";
    private String initialCluster;
    private Process process;

    private EtcdProcess(Path binary) throws IOException {
        this(binary, freePort(), freePort());
    }

    private EtcdProcess(Path binary, int clientPort, int peerPort) throws IOException {
        Path base = Files.createTempDirectory("adagio-etcd-");
        this.dataDir = base.resolve("data");
        this.log = base.resolve("etcd.log");
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.initialCluster = name + "=" + peerUrl();
        if (binary != null) {
            this.launcher = List.of(binary.toString());
            this.container = null;
        } else {
            this.container = "adagio-etcd-" + clientPort;
            this.launcher = List.of("docker", "run", "--rm", "--name", container, "--network", "host",
                    "-v", base + ":" + base, IMAGE, "etcd");
        }
    }

    /** Starts a new etcd and waits until it is healthy. */
    public static EtcdProcess start() {
        return start(new String[0]);
    }

    /** Starts a new etcd with more flags (e.g. {@code --max-request-bytes=65536}) and waits until it is healthy. */
    public static EtcdProcess start(String... flags) {
        try {
            EtcdProcess p = new EtcdProcess(binary());
            p.flags = List.of(flags);
            p.launch();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A member of a cluster ({@link EtcdCluster}): not started yet; {@link #launch(boolean)} starts it.
     *
     * @param initialCluster {@code name=peerUrl,…} of every member
     */
    static EtcdProcess member(String name, int clientPort, int peerPort, String initialCluster, String... flags) {
        try {
            EtcdProcess p = new EtcdProcess(binary(), clientPort, peerPort);
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
        return "http://127.0.0.1:" + clientPort;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, as a crash. */
    public synchronized void kill() {
        end(true);
    }

    /** SIGTERM, a clean stop. */
    public synchronized void stop() {
        end(false);
    }

    /** SIGSTOP (or {@code docker pause}): etcd keeps its sockets and answers nothing, as a frozen or partitioned member. */
    public synchronized void pause() {
        signal("STOP", "pause");
    }

    /** SIGCONT (or {@code docker unpause}) after {@link #pause}. */
    public synchronized void resume() {
        signal("CONT", "unpause");
    }

    private void signal(String signal, String dockerCommand) {
        if (container != null) {
            docker(dockerCommand, container);
            return;
        }
        try {
            int rc = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
            if (rc != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " exited " + rc);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts it again on the same ports with the same data (after {@link #kill} or {@link #stop}). */
    public synchronized void restart() {
        end(true);
        launch();
    }

    /** Starts it again after a {@link #kill}, without waiting for it to be healthy (a member waits for a quorum). */
    public synchronized void restartWithoutWaiting() {
        end(true);
        launch(false);
    }

    @Override
    public synchronized void close() {
        end(true);
        try (Stream<Path> files = Files.walk(dataDir.getParent())) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    private synchronized void launch() {
        launch(true);
    }

    /** Starts the process; with {@code waitHealthy}, waits until its {@code /health} says so. */
    synchronized void launch(boolean waitHealthy) {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(List.of("--name", name, "--data-dir", dataDir.toString(),
                "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", peerUrl(), "--initial-advertise-peer-urls", peerUrl(),
                "--initial-cluster", initialCluster, "--initial-cluster-token", "adagio-test-" + initialCluster.hashCode()));
        cmd.addAll(flags);
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + launcher, e);
        }
        if (waitHealthy) {
            awaitHealthy();
        }
    }

    /** Waits until the member answers {@code /health} with true (a cluster member: once it has a leader). */
    synchronized void awaitHealthy() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited; see " + log);
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/health"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("true");
        });
    }

    private void end(boolean kill) {
        if (process == null) {
            return;
        }
        if (container != null) {
            docker(kill ? "kill" : "stop", container);
        }
        if (kill) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static boolean docker(String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The etcd binary: on the PATH, in /usr/bin, or installed now (root on Debian/Ubuntu); null when a Docker
     * engine will run it instead; else a failure.
     */
    static Path binary() {
        Path found = lookup();
        if (found != null) {
            return found;
        }
        if (isRoot() && Files.exists(Path.of("/etc/debian_version"))) {
            try {
                Process p = new ProcessBuilder("apt-get", "install", "-y", "etcd-server").inheritIO().start();
                p.waitFor(300, TimeUnit.SECONDS);
            } catch (IOException e) {
                // fall through to the failure below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            found = lookup();
            if (found != null) {
                return found;
            }
        }
        if (docker("info")) {
            return null;
        }
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        throw new IllegalStateException((ci ? "CI=true and no etcd: " : "No etcd binary found: ")
                + "install etcd 3.4+ on the PATH (Debian/Ubuntu: apt-get install -y etcd-server; others: "
                + "https://github.com/etcd-io/etcd/releases), or run a Docker engine. The etcd tests never skip.");
    }

    private static Path lookup() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "etcd");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        Path usr = Path.of("/usr/bin/etcd");
        return Files.isExecutable(usr) ? usr : null;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name", "").toLowerCase(Locale.ROOT));
    }
}
