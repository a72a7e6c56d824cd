package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.GraphFingerprint;
import io.adagio.engine.RunFactory;
import io.adagio.model.GraphSpec;
import io.adagio.repository.StartKey;
import io.adagio.repository.Started;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idempotent starts across replicas: twenty starts with one key at once, half through each of two replicas, of
 * a run written in batches: exactly one run, every start answers it, the losers' batches removed, and the key's
 * record under {@code idempotency/} (outside every prefix the original reads and the watched range).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdIdempotencyIT {

    @Test
    void twentyStartsWithOneKeyOnTwoReplicasMakeOneRun() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("idem");
        GraphSpec big = Graphs.chain(300, "debug");
        StartKey key = new StartKey("nightly-2026-12-01", GraphFingerprint.of(big));
        RunFactory factory = new RunFactory(Clock.systemUTC());
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try (EtcdRepository a = EtcdRepositories.open(options, Clock.systemUTC());
             EtcdRepository b = EtcdRepositories.open(options, Clock.systemUTC())) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Started>> starts = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                EtcdRepository via = i % 2 == 0 ? a : b;
                io.adagio.model.Run run = factory.create(big);
                starts.add(pool.submit(() -> {
                    go.await();
                    return via.startRun(run, key);
                }));
            }
            go.countDown();
            List<String> ids = new ArrayList<>();
            int stored = 0;
            for (Future<Started> f : starts) {
                Started s = f.get(60, TimeUnit.SECONDS);
                ids.add(s.run().id());
                stored += s.replayed() ? 0 : 1;
            }
            assertThat(stored).as("starts that stored a run").isEqualTo(1);
            assertThat(ids).as("every start answers that run").containsOnly(ids.get(0));
            String prefix = options.namespace() + "/" + options.list() + "/";
            assertThat(SharedEtcd.count(prefix + "runs/")).isEqualTo(1);
            assertThat(SharedEtcd.count(prefix + "nodes/")).as("no batches of the losers left").isEqualTo(300);
            assertThat(SharedEtcd.count(prefix + "states/")).isEqualTo(300);
            assertThat(SharedEtcd.count(prefix + "idempotency/")).isEqualTo(1);
            assertThat(b.inspectRun(ids.get(0)).nodes()).hasSize(300);
        } finally {
            pool.shutdownNow();
        }
    }
}
