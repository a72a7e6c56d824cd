package io.adagio.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The physical limit: small etcd transactions through jetcd, as fast as {@code threads} threads can issue
 * them one after another (the pool's shape: each agent waits for its call before the next). Each thread
 * does compare-and-put on its own key: {@code If(mod_revision(key) == last) Then(put(key, value))}, the
 * shape of a claim or a finish without the reads around it. The harness measures it with {@code --agents}
 * threads (the pool's concurrency) and with one (what a chain, one node at a time, can reach).
 */
final class RawEtcd {
    private RawEtcd() {
    }

    /** What was measured: transactions per second, and the mean time of one. */
    record Result(double txnPerSecond, double meanMillis, long txns) {
    }

    static Result measure(String endpoint, int threads, Duration warmUp, Duration duration) throws Exception {
        try (Client client = Client.builder().endpoints(endpoint).build()) {
            KV kv = client.getKVClient();
            LongAdder count = new LongAdder();
            LongAdder busyNanos = new LongAdder();
            // every worker runs until the window closes and counts only transactions inside it
            long from = System.nanoTime() + warmUp.toNanos();
            long until = from + duration.toNanos();
            List<Thread> workers = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            String prefix = "bench-raw/" + System.nanoTime() + "/";
            ByteSequence value = ByteSequence.from("x".repeat(64), StandardCharsets.UTF_8);
            for (int i = 0; i < threads; i++) {
                ByteSequence key = ByteSequence.from(prefix + i, StandardCharsets.UTF_8);
                Thread t = new Thread(() -> {
                    try {
                        long rev = kv.put(key, value).get(10, TimeUnit.SECONDS).getHeader().getRevision();
                        while (System.nanoTime() < until) {
                            long t0 = System.nanoTime();
                            TxnResponse r = kv.txn()
                                    .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(rev)))
                                    .Then(Op.put(key, value, PutOption.DEFAULT))
                                    .commit().get(10, TimeUnit.SECONDS);
                            long t1 = System.nanoTime();
                            if (!r.isSucceeded()) {
                                throw new IllegalStateException("compare failed on " + key);
                            }
                            rev = r.getHeader().getRevision();
                            if (t0 >= from && t1 <= until) {
                                busyNanos.add(t1 - t0);
                                count.increment();
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "raw-etcd-" + i);
                t.setDaemon(true);
                workers.add(t);
            }
            workers.forEach(Thread::start);
            for (Thread t : workers) {
                t.join(warmUp.plus(duration).toMillis() + 15_000);
            }
            if (!failures.isEmpty()) {
                throw new IllegalStateException("raw etcd transactions failed", failures.get(0));
            }
            try {
                kv.delete(ByteSequence.from(prefix, StandardCharsets.UTF_8),
                        io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // best effort
            }
            long n = count.sum();
            return new Result(n / (duration.toNanos() / 1e9), n == 0 ? 0 : busyNanos.sum() / 1e6 / n, n);
        }
    }
}
