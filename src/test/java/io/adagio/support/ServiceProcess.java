package io.adagio.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * The service as a separate JVM (this test classpath, {@code io.adagio.AdagioApplication}) on a free port,
 * for tests that need a real process: signals, restarts, several replicas.
 */
public final class ServiceProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private ServiceProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts the service with the given {@code --key=value} arguments and waits until it answers. */
    public static ServiceProcess start(String... args) throws IOException {
        return startOn(freePort(), args);
    }

    /** Starts the service on a given port (e.g. to restart it where its clients expect it). */
    public static ServiceProcess startOn(int port, String... args) throws IOException {
        return startOn(port, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), args);
    }

    /**
     * Starts the service on a free port with the given JVM options instead of the defaults
     * ({@code -Xmx256m -XX:TieredStopAtLevel=1}, tuned for a quick start): the benchmarks want the full JIT.
     */
    public static ServiceProcess startWithJvm(List<String> jvmOptions, String... args) throws IOException {
        return startOn(freePort(), jvmOptions, args);
    }

    private static ServiceProcess startOn(int port, List<String> jvmOptions, String... args) throws IOException {
        Path log = Files.createTempFile("adagio-service-", ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "io.adagio.AdagioApplication",
                "--server.port=" + port));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ServiceProcess s = new ServiceProcess(p, port, log);
        Http http = new Http(port);
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> !p.isAlive() || http.get("/actuator/health").status() == 200); // exited: no port to ask
        } catch (RuntimeException e) {
            String output = s.output();
            s.close();
            throw new IllegalStateException("the service did not start:\n" + output, e);
        }
        if (!p.isAlive()) {
            throw new IllegalStateException("the service exited:\n" + s.output());
        }
        return s;
    }

    public static int freePort() throws IOException {
        return FreePorts.next();
    }

    public int port() {
        return port;
    }

    public Http http() {
        return new Http(port);
    }

    public Process process() {
        return process;
    }

    /** What the process printed so far. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** SIGTERM, as Kubernetes sends it. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL. */
    public void kill() {
        process.destroyForcibly();
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        new File(log.toString()).delete();
    }
}
