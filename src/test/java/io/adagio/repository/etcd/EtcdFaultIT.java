package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.EventType;
import io.adagio.model.Run;
import io.adagio.repository.BackendUnavailableException;
import io.adagio.repository.EventFilter;
import io.adagio.repository.RunQuery;
import io.adagio.repository.Subscription;
import io.adagio.support.EtcdProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The etcd backend when etcd itself fails: a private etcd process, killed, stopped and restarted. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdFaultIT {
    private static EtcdProcess etcd;
    private final RunFactory runs = new RunFactory(Clock.systemUTC());

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdProcess.start();
    }

    @AfterAll
    static void stopEtcd() {
        etcd.close();
    }

    private static EtcdOptions options(String list) {
        return new EtcdOptions(List.of(etcd.endpoint()), "v0", list + "-" + System.nanoTime(), Duration.ofSeconds(2),
                0, Duration.ofSeconds(2), 0);
    }

    @Test
    void aSubscriberKeepsGettingEventsAcrossAnEtcdRestart() {
        try (EtcdRepository repo = EtcdRepositories.open(options("restart"), Clock.systemUTC())) {
            EventLog events = new EventLog();
            try (Subscription ignored = repo.subscribe(EventFilter.all(), null, events)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> !events.snapshots.isEmpty());
                Run before = repo.startRun(runs.create(Graphs.single("x")));
                await().atMost(Duration.ofSeconds(10)).until(() -> events.saw(EventType.NODE_READY, before.id(), "x"));

                etcd.kill();
                etcd.restart();

                Run after = await().atMost(Duration.ofSeconds(30)).ignoreException(BackendUnavailableException.class)
                        .until(() -> repo.startRun(runs.create(Graphs.single("y"))), r -> true);
                await().atMost(Duration.ofSeconds(30)).until(() -> events.saw(EventType.NODE_READY, after.id(), "y"));
                assertThat(events.live).extracting(e -> e.cursor()).doesNotHaveDuplicates().isSorted();
            }
        }
    }

    @Test
    void callsFailFastWhileEtcdIsDown() {
        try (EtcdRepository repo = EtcdRepositories.open(options("down"), Clock.systemUTC())) {
            Run run = repo.startRun(runs.create(Graphs.single("a")));
            etcd.stop();
            try {
                failsFast(() -> repo.inspectRun(run.id()));
                failsFast(() -> repo.stats());
                failsFast(() -> repo.listRuns(RunQuery.all()));
                failsFast(() -> repo.startRun(runs.create(Graphs.single("b"))));
                failsFast(() -> repo.heartbeat("nobody"));
            } finally {
                etcd.restart();
            }
            await().atMost(Duration.ofSeconds(30)).ignoreException(BackendUnavailableException.class)
                    .until(() -> repo.inspectRun(run.id()).id().equals(run.id()));
        }
    }

    private static void failsFast(Executable call) {
        long start = System.nanoTime();
        assertThatThrownBy(call::execute).isInstanceOf(BackendUnavailableException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
}
