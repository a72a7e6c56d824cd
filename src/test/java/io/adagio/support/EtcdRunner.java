package io.adagio.support;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How a test etcd member runs: the local {@code etcd} binary as a child process, or — where a Docker engine
 * answers — a Testcontainers container of {@value #IMAGE} on the host network with its data directory
 * bind-mounted, so ports, kills, pauses and restarts mean the same either way (a container is killed with
 * {@code docker kill}, paused with {@code docker pause}). Which one: {@code -Dadagio.test.etcd} or
 * {@code ADAGIO_TEST_ETCD} = {@code binary}, {@code container} or {@code auto} (the default: the binary when there
 * is one — on the PATH, {@code /usr/bin/etcd}, or installed now with apt as root on Debian/Ubuntu — else a
 * container). With neither the test fails with what to install, also (especially) when {@code CI=true}: never a
 * skip.
 */
abstract class EtcdRunner {
    /** The image of the container path. */
    static final String IMAGE = "quay.io/coreos/etcd:v3.5.21";

    /** Starts the member with these etcd arguments (without the program name). */
    abstract void launch(List<String> args);

    abstract boolean alive();

    /** SIGKILL: a crash. */
    final void kill() {
        end(true);
    }

    /** SIGTERM: a clean stop. */
    final void stop() {
        end(false);
    }

    /** Ends the member: killed, or stopped cleanly; nothing when it does not run. */
    abstract void end(boolean kill);

    /** SIGSTOP: alive, answering nothing. */
    abstract void pause();

    /** SIGCONT after {@link #pause}. */
    abstract void resume();

    /** A runner by the rules above; {@code dataDir}'s parent is bind-mounted for a container. */
    static EtcdRunner choose(Path base, Path log) {
        String mode = System.getProperty("adagio.test.etcd",
                System.getenv().getOrDefault("ADAGIO_TEST_ETCD", "auto")).toLowerCase(Locale.ROOT);
        switch (mode) {
            case "binary" -> {
                Path binary = binary();
                if (binary == null) {
                    throw missing("adagio.test.etcd=binary but no etcd binary was found");
                }
                return new Binary(binary, log);
            }
            case "container" -> {
                if (!docker()) {
                    throw missing("adagio.test.etcd=container but no Docker engine answers");
                }
                return new Container(base, log);
            }
            case "auto" -> {
                Path binary = binary();
                if (binary != null) {
                    return new Binary(binary, log);
                }
                if (docker()) {
                    return new Container(base, log);
                }
                throw missing("No etcd binary found and no Docker engine answers");
            }
            default -> throw new IllegalArgumentException("adagio.test.etcd must be binary, container or auto, not " + mode);
        }
    }

    private static IllegalStateException missing(String what) {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        return new IllegalStateException((ci ? "CI=true: " : "") + what + ". Install etcd 3.4+ on the PATH "
                + "(Debian/Ubuntu: apt-get install -y etcd-server; others: https://github.com/etcd-io/etcd/releases), "
                + "or run a Docker engine. The etcd tests never skip.");
    }

    private static boolean docker() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The etcd binary: on the PATH, in /usr/bin, or installed now (root on Debian/Ubuntu); else null. */
    static Path binary() {
        Path found = lookup();
        if (found == null && DebianPackages.install("etcd-server")) {
            found = lookup();
        }
        return found;
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

    /** The local binary as a child process. */
    static final class Binary extends EtcdRunner {
        private final Path binary;
        private final Path log;
        private Process process;
        /**
         * Ends the member if this JVM dies while it runs, however it dies (a fork halted by the test runner skips
         * the shutdown hooks that would close it): a shell reading its standard input from this JVM, which ends
         * at the JVM's end, then kills the member. Disarmed (killed first) when the member is ended here.
         */
        private Process watchdog;

        Binary(Path binary, Path log) {
            this.binary = binary;
            this.log = log;
        }

        @Override
        void launch(List<String> args) {
            List<String> cmd = new ArrayList<>();
            cmd.add(binary.toString());
            cmd.addAll(args);
            try {
                process = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
                // 'read' is the shell's own: no child of it outlives a disarming kill
                watchdog = new ProcessBuilder("sh", "-c", "read -r _; kill -9 " + process.pid() + " 2>/dev/null")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run " + binary, e);
            }
        }

        @Override
        boolean alive() {
            return process != null && process.isAlive();
        }

        /** The member's process id (while it runs). */
        long pid() {
            return process.pid();
        }

        @Override
        void end(boolean kill) {
            if (process == null) {
                return;
            }
            if (watchdog != null) {
                watchdog.destroyForcibly();
                watchdog = null;
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

        @Override
        void pause() {
            signal("STOP");
        }

        @Override
        void resume() {
            signal("CONT");
        }

        private void signal(String signal) {
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
    }

    /**
     * A Testcontainers container on the host network, its data directory bind-mounted from {@code base} and run as
     * this JVM's user (so the files can be removed afterwards), its output appended to the member's log. Host
     * networking shares the JVM's loopback only with a native Linux Docker engine (not Docker Desktop without its
     * host networking, rootless Docker, a remote {@code DOCKER_HOST} or a JVM in a container).
     */
    static final class Container extends EtcdRunner {
        private final Path base;
        private final Path log;
        private GenericContainer<?> container;

        Container(Path base, Path log) {
            this.base = base;
            this.log = log;
        }

        @Override
        void launch(List<String> args) {
            List<String> cmd = new ArrayList<>();
            cmd.add("/usr/local/bin/etcd");
            cmd.addAll(args);
            String user = owner();
            GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(IMAGE))
                    .withNetworkMode("host")
                    .withFileSystemBind(base.toString(), base.toString(), BindMode.READ_WRITE)
                    .withCreateContainerCmdModifier(create -> create.withUser(user))
                    .withCommand(cmd.toArray(String[]::new))
                    .withLogConsumer(frame -> append(frame.getUtf8String()))
                    .waitingFor(new AbstractWaitStrategy() {
                        @Override
                        protected void waitUntilReady() {
                            // the caller waits for /health itself (a cluster member waits for its quorum)
                        }
                    });
            c.start();
            container = c;
        }

        /** {@code uid:gid} of the data directory's owner: this JVM's user. */
        private String owner() {
            try {
                return Files.getAttribute(base, "unix:uid") + ":" + Files.getAttribute(base, "unix:gid");
            } catch (IOException | UnsupportedOperationException e) {
                return "0:0";
            }
        }

        private void append(String text) {
            try {
                Files.writeString(log, text, java.nio.charset.StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                // the log is for people; the member runs on
            }
        }

        @Override
        boolean alive() {
            return container != null && container.isRunning();
        }

        @Override
        void end(boolean kill) {
            if (container == null) {
                return;
            }
            try {
                if (container.isRunning()) {
                    if (kill) {
                        container.getDockerClient().killContainerCmd(container.getContainerId()).exec();
                    } else {
                        container.getDockerClient().stopContainerCmd(container.getContainerId()).withTimeout(10).exec();
                    }
                }
            } catch (RuntimeException e) {
                // it exited meanwhile (304 or 409 from Docker): removing it below is all that is left
            } finally {
                container.stop(); // removes it; tolerates a container already gone
                container = null;
            }
        }

        @Override
        void pause() {
            if (container == null) {
                throw new IllegalStateException("no etcd container to pause");
            }
            container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
        }

        @Override
        void resume() {
            if (container == null) {
                throw new IllegalStateException("no etcd container to resume");
            }
            container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
        }
    }
}
