package io.adagio.engine;

import com.github.f4b6a3.ulid.Ulid;
import io.adagio.Graphs;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Run;
import io.adagio.model.RunStatus;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RunFactoryTest {
    private static final Instant NOW = Instant.parse("2025-03-04T05:06:07.123456789Z");
    private final RunFactory factory = new RunFactory(Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void idIsAUlidWhoseTimestampIsTheCreationTimeInMillis() {
        Run run = factory.create(Graphs.seven());
        assertThat(run.id()).hasSize(26).matches("[0-9A-HJKMNP-TV-Z]{26}");
        assertThat(Ulid.isValid(run.id())).isTrue();
        assertThat(run.createdAt()).isEqualTo(NOW);
        assertThat(Ulid.from(run.id()).getTime()).isEqualTo(NOW.toEpochMilli());
    }

    @Test
    void idsIncreaseForRunsCreatedInTheSameMillisecond() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ids.add(factory.create(Graphs.single("a")).id());
        }
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        assertThat(ids).allSatisfy(id -> assertThat(Ulid.from(id).getTime()).isEqualTo(NOW.toEpochMilli()));
    }

    @Test
    void idsFollowTheClock() {
        Run earlier = new RunFactory(Clock.fixed(NOW, ZoneOffset.UTC)).create(Graphs.single("a"));
        Run later = new RunFactory(Clock.fixed(NOW.plusMillis(1), ZoneOffset.UTC)).create(Graphs.single("a"));
        assertThat(later.id()).isGreaterThan(earlier.id());
    }

    @Test
    void rootsAreReadyAndEveryOtherNodeWaiting() {
        Run run = factory.create(Graphs.seven());
        assertThat(run.nodes()).extracting(Node::name).containsExactly("a", "b", "c", "d", "e", "f", "g");
        assertThat(run.nodes()).filteredOn(n -> n.status() == NodeStatus.READY).extracting(Node::name)
                .containsExactly("a", "b");
        assertThat(run.nodes()).filteredOn(n -> n.status() == NodeStatus.WAITING).extracting(Node::name)
                .containsExactly("c", "d", "e", "f", "g");
    }

    @Test
    void nodesStartFresh() {
        Run run = factory.create(Graphs.seven());
        assertThat(run.nodes()).allSatisfy(n -> {
            assertThat(n.attempts()).isEmpty();
            assertThat(n.inputsFrom()).isEmpty();
            assertThat(n.claim()).isNull();
            assertThat(n.startedAt()).isNull();
            assertThat(n.finishedAt()).isNull();
            assertThat(n.skipped()).isFalse();
        });
    }

    @Test
    void runIsWaitingUndecidedAndKeepsTheEdges() {
        Run run = factory.create(Graphs.seven());
        assertThat(run.status()).isEqualTo(RunStatus.WAITING);
        assertThat(run.outcome()).isNull();
        assertThat(run.edges()).isEqualTo(Graphs.seven().edges());
        assertThat(RunVerdict.status(run.nodes())).isEqualTo(RunStatus.WAITING);
    }

    @Test
    void everyNodeOfADisconnectedGraphIsARoot() {
        Run run = factory.create(new io.adagio.model.GraphSpec(
                List.of(io.adagio.model.NodeSpec.of("x", "debug"), io.adagio.model.NodeSpec.of("y", "exec")), List.of()));
        assertThat(run.nodes()).extracting(Node::status).containsOnly(NodeStatus.READY);
    }
}
