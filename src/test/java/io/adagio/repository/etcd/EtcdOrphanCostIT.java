package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.NodeStatus;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventFilter;
import io.adagio.repository.EventSink;
import io.adagio.repository.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Finding orphans costs the orphans, not the store: with 1,000 nodes stored and 5 of them orphaned (and left so),
 * a current set holds every READY root and every orphan while reading only {@code states/ready/} (the orphans
 * come from the watch's index), and the sweep, whose counts agree with the index, reads no keys at all.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EtcdOrphanCostIT {
    private static List<Event> snapshot(EtcdRepository repo) throws Exception {
        CompletableFuture<List<Event>> current = new CompletableFuture<>();
        Subscription s = repo.subscribe(new EventFilter(EnumSet.allOf(EventType.class), Set.of("debug")), null, new EventSink() {
            @Override
            public void onSnapshot(Cursor position, List<Event> events, boolean reset) {
                current.complete(events);
            }

            @Override
            public void onEvent(CursoredEvent event) {
            }
        });
        try {
            return current.get(20, TimeUnit.SECONDS);
        } finally {
            s.close();
        }
    }

    @Test
    void aCurrentSetAndTheSweepReadNoNodeKeysWhileOrphansPersist() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("orphan-cost");
        try (EtcdRepository repo = EtcdRepositories.open(options, Clock.systemUTC())) {
            RunFactory factory = new RunFactory(Clock.systemUTC());
            List<String> runs = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                runs.add(repo.startRun(factory.create(Graphs.fanOut(19, "debug"))).id()); // 20 nodes each
            }
            repo.registerAgent(new Agent("doomed", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(30));
            for (int i = 0; i < 5; i++) {
                assertThat(repo.claimNode(runs.get(i), "root", "doomed", Claim.of("c-" + i)).claimed()).isTrue();
            }
            repo.unregisterAgent("doomed"); // its five roots are orphaned, and nobody recovers them
            await().atMost(Duration.ofSeconds(10)).until(() -> runs.subList(0, 5).stream()
                    .allMatch(r -> repo.inspectNode(r, "root").status() == NodeStatus.NONE));
            await().atMost(Duration.ofSeconds(10)).until(() -> snapshot(repo).stream()
                    .filter(e -> e.type() == EventType.NODE_ORPHANED).count() == 5);

            List<String> scans = Collections.synchronizedList(new ArrayList<>());
            repo.onKeyScan(scans::add);
            for (int i = 0; i < 3; i++) {
                List<Event> current = snapshot(repo);
                assertThat(current.stream().filter(e -> e.type() == EventType.NODE_ORPHANED).map(Event::runId))
                        .containsExactlyInAnyOrderElementsOf(runs.subList(0, 5));
                assertThat(current.stream().filter(e -> e.type() == EventType.NODE_READY).map(Event::runId))
                        .containsExactlyInAnyOrderElementsOf(runs.subList(5, 50));
            }
            // the ready keys, and the signal keys (the words to holders of cancelled nodes: NODE_CANCELLED), never
            // the node keys
            assertThat(scans).as("a current set reads the ready and signal keys only").isNotEmpty()
                    .allSatisfy(prefix -> assertThat(prefix).matches(".*/(states/ready|signals)/"))
                    .anySatisfy(prefix -> assertThat(prefix).endsWith("/states/ready/"));
            scans.clear();
            repo.sweepNow();
            repo.sweepNow();
            assertThat(scans).as("a sweep whose counts agree with the index reads no keys").isEmpty();
        }
    }
}
