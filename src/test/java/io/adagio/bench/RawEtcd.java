package io.adagio.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * The physical limit: small etcd transactions through jetcd, as fast as {@code threads} threads can issue
 * them one after another (the pool's shape: each agent waits for its call before the next). In
 * {@link Kind#COMPARE_AND_PUT} each thread does compare-and-put on its own key:
 * {@code If(mod_revision(key) == last) Then(put(key, value))}, the shape of a claim or a finish without the
 * reads around it. In {@link Kind#READ_5} each thread reads its own node the way the service reads one (one
 * read-only {@code Txn} of 5 {@code Op.get}s: the node key and its 4 state keys, one of which exists). The
 * harness measures compare-and-put with {@code --agents} threads (the pool's concurrency) and with one (what
 * a chain, one node at a time, can reach), and the read with one. {@link Kind#STEP} is the least a step of a
 * fan-out's leaf (or a chain's node) must write in the original's keyspace, alone: see {@link #stepOnce}.
 *
 * <p>Besides the rate, it measures what the jetcd client costs: the harness JVM's own CPU (utime + stime of
 * {@code /proc/self/stat}, every thread: the workers, jetcd's and gRPC/Netty's threads, the GC and the JIT)
 * over the measured window ÷ the transactions in it. Nothing else of the harness runs meanwhile: the stats
 * poller only runs inside a scenario's wait, the processes' output goes to files, and the calling thread
 * sleeps until the window closes. And what etcd itself used: its {@code process_cpu_seconds_total} (the
 * {@code etcdCpuSeconds} given) over the same window ÷ the transactions.
 */
final class RawEtcd {
    private RawEtcd() {
    }

    enum Kind { COMPARE_AND_PUT, READ_5, STEP }

    /** READY nodes a {@link Kind#STEP} thread writes in one transaction, when it needs more. */
    private static final int STEP_BATCH = 32;
    /** A node's value as stored when READY, when RUNNING and when COMPLETED: the size of a fan-out leaf's. */
    private static final ByteSequence READY_VALUE = bytes(
            "{\"spec\":{\"name\":\"leaf-0123\",\"runtime\":\"debug\"},\"status\":2,\"inputs_from\":[\"root\"]}");
    private static final ByteSequence RUNNING_VALUE = bytes(
            "{\"spec\":{\"name\":\"leaf-0123\",\"runtime\":\"debug\"},\"status\":3,\"inputs_from\":[\"root\"],"
                    + "\"started_at\":\"2026-12-03T14:00:00.123456789Z\",\"claim\":{\"agent_id\":\"vm-1699-0\"}}");
    private static final ByteSequence COMPLETED_VALUE = bytes(
            "{\"spec\":{\"name\":\"leaf-0123\",\"runtime\":\"debug\"},\"status\":4,\"inputs_from\":[\"root\"],"
                    + "\"attempts\":[{\"conclusion\":1,\"output\":\"b2s=\"}],\"started_at\":\"2026-12-03T14:00:00.123456789Z\","
                    + "\"finished_at\":\"2026-12-03T14:00:00.124456789Z\",\"claim\":{\"agent_id\":\"vm-1699-0\"}}");
    private static final ByteSequence TOKEN = bytes("01M8Y5AY1GB2MFNE30351G7C93");

    /**
     * What was measured: transactions per second, the mean time of one, how many, the harness JVM's CPU over
     * the window ({@code cpuSeconds}) and per transaction in µs, the part of it the JIT's compiler threads
     * used ({@code jitSeconds}), and all of it by thread group in clock ticks ({@code threadTicks}, from
     * {@link ThreadCpu}, with {@link ThreadCpu#EXITED}: the process's total minus the live threads'; empty where
     * there is no {@code /proc}).
     */
    record Result(double txnPerSecond, double meanMillis, long txns, double cpuSeconds, double cpuMicrosPerTxn,
                  double jitSeconds, Map<String, Long> threadTicks, double etcdCpuSeconds) {
        double jitMicrosPerTxn() {
            return txns == 0 ? Double.NaN : jitSeconds * 1e6 / txns;
        }

        /** etcd's own CPU per transaction, µs (NaN when it was not measured). */
        double etcdCpuMicrosPerTxn() {
            return txns == 0 ? Double.NaN : etcdCpuSeconds * 1e6 / txns;
        }
    }

    /** Whether this JVM has run {@link #warmJit} already. */
    private static boolean warm;

    /**
     * Once per JVM, before the first measurement: runs both kinds, unmeasured, in rounds of 1 s each
     * ({@code threads} threads compare-and-put, then the read in 1), until the JIT's compiler threads used less
     * than {@code settledMillis} ms of CPU in a round or {@code max} has passed, so the client measured is as
     * warm as the service it is compared with (a cold one spent ~75% of the first windows' CPU compiling).
     * Answers the seconds it took (0 when this JVM was warm already).
     */
    static synchronized double warmJit(String endpoint, int threads, Duration max, long settledMillis) throws Exception {
        if (warm) {
            return 0;
        }
        long t0 = System.nanoTime();
        Duration round = Duration.ofSeconds(1);
        while (System.nanoTime() - t0 < max.toNanos()) {
            Map<Long, Long> jit0 = compilerTicks();
            measure(endpoint, Kind.COMPARE_AND_PUT, threads, Duration.ZERO, round);
            measure(endpoint, Kind.READ_5, 1, Duration.ZERO, round);
            measure(endpoint, Kind.STEP, threads, Duration.ZERO, round);
            if (jit0.isEmpty() || since(jit0, compilerTicks()) * 1000 / Benchmark.CLK_TCK < settledMillis) {
                break;
            }
        }
        warm = true;
        return (System.nanoTime() - t0) / 1e9;
    }

    static Result measure(String endpoint, int threads, Duration warmUp, Duration duration) throws Exception {
        return measure(endpoint, Kind.COMPARE_AND_PUT, threads, warmUp, duration, () -> 0);
    }

    static Result measure(String endpoint, Kind kind, int threads, Duration warmUp, Duration duration) throws Exception {
        return measure(endpoint, kind, threads, warmUp, duration, () -> 0);
    }

    /** As above; {@code etcdCpuSeconds} answers etcd's own CPU so far (read at the window's ends). */
    static Result measure(String endpoint, Kind kind, int threads, Duration warmUp, Duration duration,
                          DoubleSupplier etcdCpuSeconds) throws Exception {
        try (Client client = Client.builder().endpoints(endpoint).build()) {
            KV kv = client.getKVClient();
            List<Thread> workers = new ArrayList<>();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            String prefix = "bench-raw/" + System.nanoTime() + "/";
            ByteSequence value = ByteSequence.from("x".repeat(64), StandardCharsets.UTF_8);
            Steps steps = kind == Kind.STEP ? Steps.create(client, prefix) : null;
            // every worker runs until the window closes and counts only transactions inside it
            long from = System.nanoTime() + warmUp.toNanos();
            long until = from + duration.toNanos();
            Window window = new Window(from, until);
            for (int i = 0; i < threads; i++) {
                String base = prefix + i;
                int thread = i;
                Runnable loop = switch (kind) {
                    case COMPARE_AND_PUT -> () -> compareAndPut(kv, bytes(base), value, window, failures);
                    case READ_5 -> () -> read5(kv, base, value, window, failures);
                    case STEP -> () -> step(kv, steps, thread, window, failures);
                };
                Thread t = new Thread(loop, "raw-etcd-" + i);
                t.setDaemon(true);
                workers.add(t);
            }
            workers.forEach(Thread::start);
            // the harness's CPU over the window: this thread sleeps through it
            sleepUntil(from);
            // (the threads are read outside the process's readings, so that reading is not counted)
            long pid = ProcessHandle.current().pid();
            Map<Long, ThreadCpu.Task> threads0 = ThreadCpu.take(pid);
            double etcd0 = etcdCpuSeconds.getAsDouble();
            long cpu0 = Benchmark.cpuTicks(pid);
            sleepUntil(until);
            long cpu1 = Benchmark.cpuTicks(pid);
            double etcd1 = etcdCpuSeconds.getAsDouble();
            Map<String, Long> threadTicks = new LinkedHashMap<>(ThreadCpu.byGroup(threads0, ThreadCpu.take(pid)));
            long jit = threadTicks.getOrDefault("JIT", 0L);
            if (!threadTicks.isEmpty()) {
                threadTicks.put(ThreadCpu.EXITED, cpu1 - cpu0 - threadTicks.values().stream().mapToLong(Long::longValue).sum());
            }
            for (Thread t : workers) {
                t.join(warmUp.plus(duration).toMillis() + 15_000);
            }
            if (!failures.isEmpty()) {
                throw new IllegalStateException("raw etcd transactions failed", failures.get(0));
            }
            try {
                if (steps != null) {
                    steps.close(client); // first: a watch with previous values over the keys deleted next kept
                                         // etcd busy for seconds after the deletion (the next window paid for it)
                }
                kv.delete(bytes(prefix), DeleteOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // best effort
            }
            long n = window.count().sum();
            // read within a sleep's overshoot (~0.1 ms) of the window's ends; to a clock tick (10 ms) each
            double cpu = (cpu1 - cpu0) / (double) Benchmark.CLK_TCK;
            return new Result(n / (duration.toNanos() / 1e9), n == 0 ? 0 : window.busyNanos().sum() / 1e6 / n, n,
                    cpu, n == 0 ? Double.NaN : cpu * 1e6 / n, jit / (double) Benchmark.CLK_TCK, threadTicks, etcd1 - etcd0);
        }
    }

    private static void compareAndPut(KV kv, ByteSequence key, ByteSequence value, Window window,
                                      List<Throwable> failures) {
        try {
            long rev = kv.put(key, value).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            while (window.open()) {
                long t0 = System.nanoTime();
                rev = compareAndPutOnce(kv, key, value, rev);
                long t1 = System.nanoTime();
                window.timed(t0, t1);
            }
        } catch (Throwable e) {
            failures.add(e);
        }
    }

    /**
     * One compare-and-put; answers the new revision. (The loops call one small method per transaction, which
     * the JIT compiles during the warm-up, rather than being compiled on stack in the measured window.)
     */
    private static long compareAndPutOnce(KV kv, ByteSequence key, ByteSequence value, long rev) throws Exception {
        TxnResponse r = kv.txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(rev)))
                .Then(Op.put(key, value, PutOption.DEFAULT))
                .commit().get(10, TimeUnit.SECONDS);
        if (!r.isSucceeded()) {
            throw new IllegalStateException("compare failed on " + key);
        }
        return r.getHeader().getRevision();
    }

    /** A node read: the node key and 4 state keys (the first of them exists), in one read-only Txn. */
    private static void read5(KV kv, String base, ByteSequence value, Window window, List<Throwable> failures) {
        try {
            ByteSequence node = bytes(base + "/node");
            kv.put(node, value).get(10, TimeUnit.SECONDS);
            List<ByteSequence> states = List.of(bytes(base + "/s/ready"), bytes(base + "/s/running"),
                    bytes(base + "/s/done"), bytes(base + "/s/orphaned"));
            kv.put(states.get(0), ByteSequence.from("1", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            while (window.open()) {
                long t0 = System.nanoTime();
                readOnce(kv, node, states);
                long t1 = System.nanoTime();
                window.timed(t0, t1);
            }
        } catch (Throwable e) {
            failures.add(e);
        }
    }

    /**
     * The nodes of {@link Kind#STEP}: per thread, nodes of the original's keyspace
     * ({@code <prefix>n/<thread>/<n>} and {@code <prefix>s/<state>/<thread>/<n>}) written READY by the thread
     * itself, {@value #STEP_BATCH} to a transaction, when it is about to need them (inside the window, as a run's
     * start is inside a scenario's server time: one write of 2 keys per node, batched; written ahead of time they
     * were 15× too many, and their writes and deletions kept etcd busy for minutes), a lease for the running keys,
     * and one watch over the state keys with previous values, as a replica's watch is (its events are dropped).
     */
    private record Steps(String prefix, long lease, Watch.Watcher watcher) {
        static Steps create(Client client, String prefix) throws Exception {
            long lease = client.getLeaseClient().grant(120).get(10, TimeUnit.SECONDS).getID();
            Watch.Watcher watcher = client.getWatchClient().watch(bytes(prefix + "s/"),
                    WatchOption.builder().isPrefix(true).withPrevKV(true).build(), Watch.listener(r -> { }));
            return new Steps(prefix, lease, watcher);
        }

        void close(Client client) throws Exception {
            watcher.close();
            client.getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS);
        }

        /** Writes nodes {@code from} to {@code from + STEP_BATCH - 1} of {@code thread} READY; answers the revision. */
        long write(KV kv, int thread, int from) throws Exception {
            List<Op> ops = new ArrayList<>(2 * STEP_BATCH);
            for (int n = from; n < from + STEP_BATCH; n++) {
                ops.add(Op.put(node(thread, n), READY_VALUE, PutOption.DEFAULT));
                ops.add(Op.put(state(thread, "ready", n), ByteSequence.EMPTY, PutOption.DEFAULT));
            }
            return kv.txn().Then(ops.toArray(Op[]::new)).commit().get(10, TimeUnit.SECONDS).getHeader().getRevision();
        }

        ByteSequence node(int thread, int n) {
            return bytes(prefix + "n/" + thread + "/" + n);
        }

        ByteSequence state(int thread, String state, int n) {
            return bytes(prefix + "s/" + state + "/" + thread + "/" + n);
        }
    }

    /**
     * A thread of {@link Kind#STEP}: claims its node 0 (before the window), then steps: node {@code n}
     * finished, node {@code n + 1} claimed, one transaction each, writing the next {@value #STEP_BATCH} READY
     * nodes whenever it reaches the end of those written (that transaction is counted in the window's time,
     * not among its steps), until the window closes.
     */
    private static void step(KV kv, Steps steps, int thread, Window window, List<Throwable> failures) {
        try {
            List<Long> revisions = new ArrayList<>();
            long written = steps.write(kv, thread, 0);
            for (int n = 0; n < STEP_BATCH; n++) {
                revisions.add(written);
            }
            long held = stepOnce(kv, steps, thread, -1, 0, revisions.get(0));
            for (int n = 0; window.open(); n++) {
                if (n + 1 == revisions.size()) {
                    written = steps.write(kv, thread, n + 1);
                    for (int k = 0; k < STEP_BATCH; k++) {
                        revisions.add(written);
                    }
                }
                long t0 = System.nanoTime();
                held = stepOnce(kv, steps, thread, n, held, revisions.get(n + 1));
                long t1 = System.nanoTime();
                window.timed(t0, t1);
            }
        } catch (Throwable e) {
            failures.add(e);
        }
    }

    /**
     * One step in the original's keyspace, with the fencing a finish needs and nothing the replica could
     * leave out: node {@code done} (RUNNING at {@code doneRevision}) finishes — guarded by its node key's mod
     * revision, its running key's value (the claim's token) and no completed key; the node put COMPLETED, the
     * running key deleted, the completed key put — and node {@code done + 1} (READY at {@code nextRevision}) is
     * claimed — guarded by its node key's mod revision, its ready key and no running key; the node put RUNNING,
     * the ready key deleted, the running key put with the lease and the token. 6 compares and 6 writes; with
     * {@code done} < 0 only the claim. Answers the revision the claimed node was written at.
     */
    private static long stepOnce(KV kv, Steps steps, int thread, int done, long doneRevision, long nextRevision)
            throws Exception {
        int next = done + 1;
        List<Cmp> ifs = new ArrayList<>();
        List<Op> ops = new ArrayList<>();
        if (done >= 0) {
            ByteSequence running = steps.state(thread, "running", done);
            ByteSequence completed = steps.state(thread, "completed", done);
            ifs.add(new Cmp(steps.node(thread, done), Cmp.Op.EQUAL, CmpTarget.modRevision(doneRevision)));
            ifs.add(new Cmp(running, Cmp.Op.EQUAL, CmpTarget.value(TOKEN)));
            ifs.add(new Cmp(completed, Cmp.Op.EQUAL, CmpTarget.version(0)));
            ops.add(Op.put(steps.node(thread, done), COMPLETED_VALUE, PutOption.DEFAULT));
            ops.add(Op.delete(running, DeleteOption.DEFAULT));
            ops.add(Op.put(completed, ByteSequence.EMPTY, PutOption.DEFAULT));
        }
        ByteSequence ready = steps.state(thread, "ready", next);
        ByteSequence running = steps.state(thread, "running", next);
        ifs.add(new Cmp(steps.node(thread, next), Cmp.Op.EQUAL, CmpTarget.modRevision(nextRevision)));
        ifs.add(new Cmp(ready, Cmp.Op.GREATER, CmpTarget.version(0)));
        ifs.add(new Cmp(running, Cmp.Op.EQUAL, CmpTarget.version(0)));
        ops.add(Op.put(steps.node(thread, next), RUNNING_VALUE, PutOption.DEFAULT));
        ops.add(Op.delete(ready, DeleteOption.DEFAULT));
        ops.add(Op.put(running, TOKEN, PutOption.builder().withLeaseId(steps.lease()).build()));
        TxnResponse r = kv.txn().If(ifs.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new)).commit().get(10, TimeUnit.SECONDS);
        if (!r.isSucceeded()) {
            throw new IllegalStateException("a step's guards failed at node " + next + " of thread " + thread);
        }
        return r.getHeader().getRevision();
    }

    private static void readOnce(KV kv, ByteSequence node, List<ByteSequence> states) throws Exception {
        Op[] gets = new Op[5];
        gets[0] = Op.get(node, GetOption.DEFAULT);
        for (int s = 0; s < 4; s++) {
            gets[s + 1] = Op.get(states.get(s), GetOption.DEFAULT);
        }
        TxnResponse r = kv.txn().Then(gets).commit().get(10, TimeUnit.SECONDS);
        if (r.getGetResponses().size() != 5 || r.getGetResponses().get(0).getKvs().size() != 1
                || r.getGetResponses().get(1).getKvs().size() != 1) {
            throw new IllegalStateException("unexpected read of " + node + ": " + r.getGetResponses());
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /**
     * utime + stime of this JVM's JIT compiler threads ({@code C1 CompilerThread…}, {@code C2 CompilerThread…};
     * {@code comm} keeps 15 characters), clock ticks by thread id; empty where there is no {@code /proc}.
     */
    static Map<Long, Long> compilerTicks() {
        Map<Long, Long> out = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    String comm = Files.readString(task.resolve("comm")).trim();
                    if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                        String stat = Files.readString(task.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
                        out.put(Long.parseLong(task.getFileName().toString()), Long.parseLong(f[11]) + Long.parseLong(f[12]));
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return out;
    }

    /**
     * Ticks used since {@code before} by the threads of {@code after} (a thread started meanwhile counts from 0;
     * one that ended meanwhile, which HotSpot does with idle extra compiler threads, is lost).
     */
    static long since(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            sum += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
        }
        return sum;
    }
}
