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
    void anUnknownChoiceIsRefused() throws Exception {
        Path base = Files.createTempDirectory("runner-");
        System.setProperty("adagio.test.etcd", "podman");
        assertThatThrownBy(() -> EtcdRunner.choose(base, base.resolve("log"))).hasMessageContaining("binary, container or auto");
    }
}
