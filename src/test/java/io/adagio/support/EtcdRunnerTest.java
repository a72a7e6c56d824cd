package io.adagio.support;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How the test etcd is chosen: forced to the binary or to a container, or auto; a missing one fails, never skips. */
class EtcdRunnerTest {
    @AfterEach
    void clear() {
        System.clearProperty("adagio.test.etcd");
    }

    @Test
    void autoTakesTheBinaryWhenThereIsOneElseAContainerElseFails() throws Exception {
        Path base = Files.createTempDirectory("runner-");
        if (EtcdRunner.binary() != null) {
            assertThat(EtcdRunner.choose(base, base.resolve("log"))).isInstanceOf(EtcdRunner.Binary.class);
            System.setProperty("adagio.test.etcd", "binary");
            assertThat(EtcdRunner.choose(base, base.resolve("log"))).isInstanceOf(EtcdRunner.Binary.class);
        } else if (DockerClientFactory.instance().isDockerAvailable()) {
            assertThat(EtcdRunner.choose(base, base.resolve("log"))).isInstanceOf(EtcdRunner.Container.class);
        } else {
            assertThatThrownBy(() -> EtcdRunner.choose(base, base.resolve("log"))).hasMessageContaining("never skip");
        }
    }

    @Test
    void aForcedContainerIsAContainerOrAFailureSayingWhatIsMissing() throws Exception {
        Path base = Files.createTempDirectory("runner-");
        System.setProperty("adagio.test.etcd", "container");
        if (DockerClientFactory.instance().isDockerAvailable()) {
            assertThat(EtcdRunner.choose(base, base.resolve("log"))).isInstanceOf(EtcdRunner.Container.class);
        } else {
            assertThatThrownBy(() -> EtcdRunner.choose(base, base.resolve("log")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no Docker engine answers").hasMessageContaining("never skip");
        }
    }

    @Test
    void aMemberDoesNotOutliveItsJvmEvenWhenTheJvmIsHaltedWithoutItsHooks() throws Exception {
        // a child JVM starts a member (any program: the binary runner's watchdog is the same) and halts
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Orphaning.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(child.waitFor()).as(out).isEqualTo(3);
        long member = Long.parseLong(out.lines().filter(l -> l.startsWith("member ")).findFirst()
                .orElseThrow(() -> new AssertionError("no member started: " + out)).substring(7).trim());
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(member).map(ProcessHandle::isAlive).orElse(false) == false);
    }

    @Test
    void aMemberEndedHereIsNotKilledAgainByItsWatchdog() throws Exception {
        Path base = Files.createTempDirectory("runner-");
        EtcdRunner.Binary first = new EtcdRunner.Binary(Path.of("/bin/sleep"), base.resolve("log"));
        first.launch(java.util.List.of("600"));
        first.kill();
        EtcdRunner.Binary second = new EtcdRunner.Binary(Path.of("/bin/sleep"), base.resolve("log"));
        second.launch(java.util.List.of("600"));
        try {
            org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(300))
                    .atMost(java.time.Duration.ofSeconds(2)).until(second::alive);
        } finally {
            second.kill();
        }
    }

    /** Starts a member and halts the JVM: no shutdown hook runs, as when a test runner halts its fork. */
    static final class Orphaning {
        public static void main(String[] args) throws Exception {
            Path base = Files.createTempDirectory("runner-");
            EtcdRunner.Binary member = new EtcdRunner.Binary(Path.of("/bin/sleep"), base.resolve("log"));
            member.launch(java.util.List.of("600"));
            System.out.println("member " + member.pid());
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }
    }

    @Test
    void anUnknownChoiceIsRefused() throws Exception {
        Path base = Files.createTempDirectory("runner-");
        System.setProperty("adagio.test.etcd", "podman");
        assertThatThrownBy(() -> EtcdRunner.choose(base, base.resolve("log"))).hasMessageContaining("binary, container or auto");
    }
}
