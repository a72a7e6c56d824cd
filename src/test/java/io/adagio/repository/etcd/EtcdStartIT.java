package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Edge;
import io.adagio.model.GraphSpec;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Run;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.OutcomeUnknownException;
import io.adagio.support.EtcdProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Starting runs on etcd, seen from outside: by a watcher that behaves as the original's agents do (it watches
 * {@code states/ready/} and reads {@code runs/<id>} at the event's revision, dropping the event when the run is not
 * there), every root of every run we start is found, whether the run was written in one transaction or in batches;
 * and a start whose run key's transaction gets no answer is reported as of unknown outcome, never as retryable.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdStartIT {
    private final RunFactory factory = new RunFactory(Clock.systemUTC());

    /** {@code roots} roots, each with {@code children} children. */
    private static GraphSpec forest(int roots, int children) {
        List<NodeSpec> nodes = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        for (int r = 0; r < roots; r++) {
            nodes.add(NodeSpec.of("r" + r, "debug"));
            for (int c = 0; c < children; c++) {
                nodes.add(NodeSpec.of("r" + r + "-c" + c, "debug"));
                edges.add(new Edge("r" + r, "r" + r + "-c" + c));
            }
        }
        return new GraphSpec(nodes, edges);
    }

    @Test
    void aWatcherThatReadsTheRunAtTheReadyKeysRevisionFindsEveryRoot() {
        EtcdOptions options = SharedEtcd.freshOptions("interop");
        Client client = SharedEtcd.admin();
        String prefix = options.namespace() + "/" + options.list() + "/";
        Map<String, Boolean> seen = new ConcurrentHashMap<>(); // run id/node → its run was found at the revision
        ByteSequence ready = ByteSequence.from(prefix + "states/ready/", StandardCharsets.UTF_8);
        Watch.Watcher watcher = client.getWatchClient().watch(ready, WatchOption.builder().isPrefix(true).build(), response -> {
            for (WatchEvent e : response.getEvents()) {
                if (e.getEventType() != WatchEvent.EventType.PUT) {
                    continue;
                }
                String key = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
                String[] parts = key.substring(prefix.length()).split("/"); // states ready run <id> node <name>
                String runId = parts[3];
                try {
                    boolean found = client.getKVClient().get(ByteSequence.from(prefix + "runs/" + runId, StandardCharsets.UTF_8),
                            GetOption.builder().withRevision(e.getKeyValue().getModRevision()).build())
                            .get(5, TimeUnit.SECONDS).getCount() == 1;
                    seen.merge(runId + "/" + parts[5], found, Boolean::logicalAnd);
                } catch (Exception ex) {
                    seen.put(runId + "/" + parts[5], false);
                }
            }
        });
        try (EtcdRepository repo = EtcdRepositories.open(options, Clock.systemUTC())) {
            EventLog ours = new EventLog();
            repo.subscribe(io.adagio.repository.EventFilter.all(), null, ours);
            await().atMost(Duration.ofSeconds(10)).until(() -> !ours.snapshots.isEmpty());
            List<Run> runs = new ArrayList<>();
            runs.add(repo.startRun(factory.create(Graphs.single("only"))));        // one transaction
            runs.add(repo.startRun(factory.create(Graphs.seven())));               // one transaction, two roots
            runs.add(repo.startRun(factory.create(Graphs.chain(200, "debug")))); // batches, one root
            runs.add(repo.startRun(factory.create(forest(30, 4))));                // batches, 30 roots
            runs.add(repo.startRun(factory.create(forest(250, 1))));               // batches, more roots than
            Set<String> roots = runs.stream().flatMap(r -> r.nodes().stream()  // the run key's txn can release
                    .filter(n -> n.status() == NodeStatus.READY)
                    .map(n -> r.id() + "/" + n.name())).collect(Collectors.toSet());
            assertThat(roots).hasSize(1 + 2 + 1 + 30 + 250);

            await().atMost(Duration.ofSeconds(20)).until(() -> seen.keySet().containsAll(roots));
            assertThat(seen).as("each READY key's run was there at its revision").containsOnlyKeys(roots)
                    .allSatisfy((node, found) -> assertThat(found).as(node).isTrue());
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Map<String, Long> readyEvents;
                synchronized (ours.live) {
                    readyEvents = ours.live.stream().filter(e -> e.event().type() == io.adagio.model.EventType.NODE_READY)
                            .collect(Collectors.groupingBy(e -> e.event().runId() + "/" + e.event().nodeSpec().name(),
                                    Collectors.counting()));
                }
                assertThat(readyEvents).as("our own stream: one NODE_READY per root, also for roots released after"
                        + " the run key").containsOnlyKeys(roots).allSatisfy((node, n) -> assertThat(n).as(node).isOne());
            });
            for (Run r : runs) {
                Run stored = repo.inspectRun(r.id());
                assertThat(stored.nodes()).extracting(Node::status)
                        .as("stored as started: roots READY, the rest WAITING")
                        .containsExactlyElementsOf(r.nodes().stream().map(Node::status).toList());
            }
        } finally {
            watcher.close();
        }
    }

    /**
     * A start with more roots than its run key's transaction can release, stopped right after that transaction
     * (as if its process died): the run is visible with the rest of its roots WAITING under a start intent, and
     * another replica's recovery makes every root READY, each with exactly one state key, and leaves no intent.
     */
    @Test
    void aStartStoppedAfterItsRunKeyHasItsRootsReleasedByAnotherReplica() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("release");
        Run run;
        try (EtcdRepository first = EtcdRepositories.open(options, Clock.systemUTC())) {
            first.beforeRootRelease(n -> {
                throw new IllegalStateException("killed before releasing batch " + n);
            });
            Run started = factory.create(forest(200, 0));
            assertThatThrownBy(() -> first.startRun(started)).hasMessageContaining("killed");
            run = started;
            Map<NodeStatus, Long> states = first.inspectRun(run.id()).nodes().stream()
                    .collect(Collectors.groupingBy(Node::status, Collectors.counting()));
            assertThat(states.get(NodeStatus.READY)).as("released with the run key").isBetween(1L, 100L);
            assertThat(states.get(NodeStatus.WAITING)).as("left to release").isEqualTo(200 - states.get(NodeStatus.READY));
        }
        String prefix = options.namespace() + "/" + options.list() + "/";
        assertThat(SharedEtcd.count(prefix + "intents/")).as("the start intent").isEqualTo(1);
        try (EtcdRepository second = EtcdRepositories.open(options, Clock.systemUTC())) {
            second.intentGrace(Duration.ZERO);
            assertThat(second.recoverPendingFinishes()).isEqualTo(1);
            assertThat(second.inspectRun(run.id()).nodes()).hasSize(200)
                    .allSatisfy(n -> assertThat(n.status()).as(n.name()).isEqualTo(NodeStatus.READY));
            assertThat(second.recoverPendingFinishes()).as("nothing left").isZero();
        }
        assertThat(SharedEtcd.count(prefix + "intents/")).isZero();
        assertThat(SharedEtcd.count(prefix + "states/ready/run/" + run.id() + "/")).isEqualTo(200);
        assertThat(SharedEtcd.count(prefix + "states/")).as("one state key per node").isEqualTo(200);
    }


    @Test
    void aBatchedRunWhoseRootsCarryLargeMetadataStartsWithItsRootsReady() {
        List<NodeSpec> nodes = new ArrayList<>();
        for (int r = 0; r < 25; r++) {
            nodes.add(new NodeSpec("r" + r, "debug", Map.of("pad", io.adagio.model.MetadataValues.of("x".repeat(32_000))), Map.of()));
        }
        try (EtcdRepository repo = EtcdRepositories.open(SharedEtcd.freshOptions("heavy-roots"), Clock.systemUTC())) {
            Run run = repo.startRun(factory.create(new GraphSpec(nodes, List.of()))); // 1.6 MB: batches
            assertThat(repo.inspectRun(run.id()).nodes()).hasSize(25)
                    .allSatisfy(n -> assertThat(n.status()).isEqualTo(NodeStatus.READY));
        }
    }

    @Test
    void aStartWhoseRunKeyGetsNoAnswerIsOfUnknownOutcomeAndNotRetryable() {
        EtcdProcess etcd = EtcdProcess.start();
        EtcdOptions o = SharedEtcd.optionsOn(etcd, "unknown", 0);
        EtcdOptions options = new EtcdOptions(o.endpoints(), o.namespace(), o.list(), Duration.ofSeconds(1), 0,
                o.sweepInterval(), o.historySize());
        try (EtcdRepository repo = EtcdRepositories.open(options, Clock.systemUTC())) {
            Run run = factory.create(Graphs.chain(200, "debug")); // 4 batches of 60 nodes, then the run key
            repo.afterStartBatch(n -> {
                if (n == 4) {
                    etcd.pause(); // the run key's transaction (and its read-back) get no answer
                }
            });
            try {
                assertThatThrownBy(() -> repo.startRun(run)).isInstanceOfSatisfying(OutcomeUnknownException.class, e -> {
                    assertThat(e.runId()).isEqualTo(run.id());
                    assertThat(e.retryable()).as("repeating it could start a second run").isFalse();
                });
            } finally {
                etcd.resume();
            }
            // whatever etcd did with it, the run is whole or absent, never partly there
            await().atMost(Duration.ofSeconds(20)).ignoreExceptionsMatching(e -> !(e instanceof NotFoundException))
                    .until(() -> {
                        try {
                            return repo.inspectRun(run.id()).nodes().size() == 200;
                        } catch (NotFoundException absent) {
                            return true;
                        }
                    });
        } finally {
            etcd.close();
        }
    }
}
