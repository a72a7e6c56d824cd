package io.adagio.bench;

import io.adagio.support.EtcdProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The raw-etcd figures the etcd targets are argued with, on a real etcd: every kind completes transactions with
 * its guards holding (a failed guard fails the measurement), reads etcd's CPU at the window's ends, and leaves
 * nothing behind in etcd.
 */
class RawEtcdIT {
    @Test
    void everyKindMeasuresTransactionsThatSucceedAndLeavesNoKeysBehind() throws Exception {
        String endpoint = EtcdProcess.shared().endpoint();
        for (RawEtcd.Kind kind : RawEtcd.Kind.values()) {
            AtomicInteger reads = new AtomicInteger();
            RawEtcd.Result r = RawEtcd.measure(endpoint, kind, 2, Duration.ofSeconds(1), Duration.ofSeconds(1),
                    () -> reads.incrementAndGet() == 1 ? 1.0 : 1.25);
            assertThat(r.txns()).as(kind + " transactions in the window").isPositive();
            assertThat(r.txnPerSecond()).as(kind.toString()).isEqualTo(r.txns() / 1.0, org.assertj.core.data.Offset.offset(0.01));
            assertThat(reads.get()).as(kind + ": etcd's CPU read at both ends of the window").isEqualTo(2);
            assertThat(r.etcdCpuMicrosPerTxn()).as(kind.toString()).isEqualTo(0.25e6 / r.txns(), org.assertj.core.data.Offset.offset(1e-6));
        }
        try (Client c = Client.builder().endpoints(endpoint).build()) {
            ByteSequence prefix = ByteSequence.from("bench-raw/", StandardCharsets.UTF_8);
            long left = c.getKVClient().get(prefix, GetOption.builder().isPrefix(true).withCountOnly(true).build())
                    .get(10, TimeUnit.SECONDS).getCount();
            assertThat(left).as("keys left under bench-raw/").isZero();
        }
    }
}
