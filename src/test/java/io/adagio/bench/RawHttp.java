package io.adagio.bench;

import io.adagio.agent.http.JsonHttp;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What bounds the split topology: the HTTP round trip alone, from the harness JVM to the api process, with the
 * client the agents use ({@code agent/http/HttpControlPlane}'s {@link JsonHttp}: Apache HttpClient's classic client
 * on kept-alive HTTP/1.1 connections, one per agent, the answer read as a string), as fast
 * as {@code threads} threads can issue them one after another (each waits for its answer before the next, as an
 * agent does). Two cheap calls that still go through Tomcat, Spring MVC and a JSON answer:
 * {@link Call#HEARTBEAT}, {@code POST /v0/agents/{id}/heartbeat} of an agent this class registered (one per
 * thread, with a runtime no node uses; the controller, {@code Agents.heartbeat} and the repository's lease
 * renewal — on etcd one lease keep-alive round trip to etcd), and {@link Call#LIVENESS},
 * {@code GET /actuator/health/liveness} (the actuator's handler mapping and health aggregation, no store).
 *
 * <p>Besides the rate and the mean time of one, it measures what a request costs each side: the api process's
 * CPU ({@code /proc/<pid>/stat}) and the harness JVM's ({@code /proc/self/stat}: the loops, which make the
 * calls themselves, the GC and the JIT) over the measured window ÷ the requests completed in it, with each
 * side's JIT compiler threads' part and all of it by thread group ({@link ThreadCpu}). Nothing else of the
 * harness runs meanwhile (as for {@link RawEtcd}); the service also serves the idle agent process's pool
 * meanwhile (a heartbeat a second and a long-poll claim a second per agent), which {@link #backgroundPerSecond}
 * estimates.
 */
final class RawHttp implements AutoCloseable {
    enum Call {
        HEARTBEAT("heartbeat"), LIVENESS("liveness");

        final String key;

        Call(String key) {
            this.key = key;
        }
    }

    /** The runtime the bench agents offer: no node asks for it, so they are never sent work. */
    static final String RUNTIME = "bench-raw-http";

    /**
     * What was measured: round trips per second, the mean time of one, how many, and per request in µs the api
     * process's CPU and the harness JVM's (the client's), each with its JIT compiler threads' part; both
     * processes' CPU by thread group in clock ticks over the window (with {@link ThreadCpu#EXITED}; empty where
     * there is no {@code /proc}).
     */
    record Result(Call call, int threads, double perSecond, double meanMillis, long requests,
                  double serviceCpuUs, double serviceJitUs, double clientCpuUs, double clientJitUs,
                  Map<String, Long> serviceTicks, Map<String, Long> clientTicks) {
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String base;
    private final long servicePid;
    /** One client per thread, kept across the windows (and their connections with them), as each agent keeps its own. */
    private final List<JsonHttp> clients = new ArrayList<>();
    private final String prefix = "bench-raw-http-" + ProcessHandle.current().pid() + "-";
    /** Requests this class sent that the service counts in {@code http_server_requests} (all but the actuator's). */
    private final AtomicLong apiRequests = new AtomicLong();

    RawHttp(String base, long servicePid, int threads) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.servicePid = servicePid;
        for (int i = 0; i < threads; i++) {
            clients.add(new JsonHttp(URI.create(this.base), TIMEOUT, null));
        }
    }

    /** Requests sent to the API (registrations, heartbeats, unregistrations; not the actuator's) so far. */
    long apiRequests() {
        return apiRequests.get();
    }

    /**
     * Unmeasured, before the first measurement of a fresh service: rounds of 1 s of each call with
     * {@code threads} threads, until the JIT's compiler threads used less than {@code settledMillis} ms of CPU
     * in a round in the api process and in the harness JVM alike, or {@code max} has passed (the service's
     * request path is warm from the deployment's warm-up; the heartbeat's and the actuator's are not).
     * Answers the seconds it took and the last round's JIT CPU, ms: {seconds, service, harness}.
     */
    double[] warmJit(int threads, Duration max, long settledMillis) throws Exception {
        long t0 = System.nanoTime();
        Duration round = Duration.ofSeconds(1);
        double service = Double.NaN;
        double client = Double.NaN;
        long self = ProcessHandle.current().pid();
        do {
            Map<Long, ThreadCpu.Task> s0 = ThreadCpu.take(servicePid);
            Map<Long, ThreadCpu.Task> c0 = ThreadCpu.take(self);
            for (Call call : Call.values()) {
                measure(call, threads, Duration.ZERO, round);
            }
            service = ThreadCpu.byGroup(s0, ThreadCpu.take(servicePid)).getOrDefault("JIT", 0L) * 1000.0 / Benchmark.CLK_TCK;
            client = ThreadCpu.byGroup(c0, ThreadCpu.take(self)).getOrDefault("JIT", 0L) * 1000.0 / Benchmark.CLK_TCK;
        } while ((service >= settledMillis || client >= settledMillis) && System.nanoTime() - t0 < max.toNanos());
        return new double[]{(System.nanoTime() - t0) / 1e9, service, client};
    }

    /**
     * {@code threads} threads doing {@code call} one after another for {@code warmUp} (not counted), then
     * {@code duration} (counted: the requests that started and ended in it).
     */
    Result measure(Call call, int threads, Duration warmUp, Duration duration) throws Exception {
        if (threads > clients.size()) {
            throw new IllegalArgumentException(threads + " threads, " + clients.size() + " clients");
        }
        if (call == Call.HEARTBEAT) {
            for (int i = 0; i < threads; i++) {
                register(i); // again each time: a lease lives 10 s without a heartbeat
            }
        }
        LongAdder sent = new LongAdder();
        // the loops go on past the window until its readings are taken: a loop that ended at the window's end
        // would be gone from the last reading, its CPU counted as an exited thread's
        AtomicBoolean stop = new AtomicBoolean();
        long from = System.nanoTime() + warmUp.toNanos();
        long until = from + duration.toNanos();
        Window window = new Window(from, until);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int i = 0; i < threads; i++) {
            JsonHttp client = clients.get(i);
            String path = (call == Call.HEARTBEAT ? "/v0/agents/" + prefix + i + "/heartbeat" : "/actuator/health/liveness");
            Thread t = new Thread(() -> loop(client, call, path, window, stop, sent, failures), "raw-http-" + i);
            t.setDaemon(true);
            workers.add(t);
        }
        workers.forEach(Thread::start);
        sleepUntil(from);
        // the threads of each process read just outside its own readings (reading /proc costs the reader only)
        long self = ProcessHandle.current().pid();
        Map<Long, ThreadCpu.Task> service0 = ThreadCpu.take(servicePid);
        Map<Long, ThreadCpu.Task> client0 = ThreadCpu.take(self);
        long s0 = Benchmark.cpuTicks(servicePid);
        long c0 = Benchmark.cpuTicks(self);
        sleepUntil(until);
        long c1 = Benchmark.cpuTicks(self);
        long s1 = Benchmark.cpuTicks(servicePid);
        Map<Long, ThreadCpu.Task> client1 = ThreadCpu.take(self);
        Map<Long, ThreadCpu.Task> service1 = ThreadCpu.take(servicePid);
        stop.set(true);
        for (Thread t : workers) {
            t.join(warmUp.plus(duration).plus(TIMEOUT).toMillis() + 5_000);
        }
        if (call == Call.HEARTBEAT) {
            apiRequests.addAndGet(sent.sum());
            for (int i = 0; i < threads; i++) {
                unregister(i);
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("raw HTTP " + call.key + " failed: " + failures.get(0), failures.get(0));
        }
        Map<String, Long> serviceTicks = withRest(ThreadCpu.byGroup(service0, service1), s1 - s0);
        Map<String, Long> clientTicks = withRest(ThreadCpu.byGroup(client0, client1), c1 - c0);
        long n = window.count().sum();
        double perRequest = n == 0 ? Double.NaN : 1e6 / Benchmark.CLK_TCK / n;
        return new Result(call, threads, n / (duration.toNanos() / 1e9), n == 0 ? 0 : window.busyNanos().sum() / 1e6 / n, n,
                (s1 - s0) * perRequest, serviceTicks.getOrDefault("JIT", 0L) * perRequest,
                (c1 - c0) * perRequest, clientTicks.getOrDefault("JIT", 0L) * perRequest, serviceTicks, clientTicks);
    }

    /**
     * The rate of the requests the service served besides this class's (the idle agent process's heartbeats and
     * long-poll claims), per second, from its {@code http_server_requests} count (all URIs but the actuator's) at
     * two moments and this class's own requests in between.
     */
    static double backgroundPerSecond(double served0, double served1, long ours0, long ours1, long nanos) {
        return (served1 - served0 - (ours1 - ours0)) / (nanos / 1e9);
    }

    private static Map<String, Long> withRest(Map<String, Long> groups, long total) {
        Map<String, Long> out = new LinkedHashMap<>(groups);
        if (!out.isEmpty()) {
            out.put(ThreadCpu.EXITED, total - out.values().stream().mapToLong(Long::longValue).sum());
        }
        return out;
    }

    private static void loop(JsonHttp client, Call call, String path, Window window, AtomicBoolean stop,
                             LongAdder sent, List<Throwable> failures) {
        try {
            while (!stop.get()) {
                long t0 = System.nanoTime();
                sent.increment();
                once(client, call, path);
                long t1 = System.nanoTime();
                window.timed(t0, t1);
            }
        } catch (Throwable e) {
            failures.add(e);
        }
    }

    /**
     * One round trip, sent as {@code HttpControlPlane} sends its calls (JSON accept header, the heartbeat with no
     * body, the answer read as a string). (One small method per request, which the JIT compiles during the
     * warm-up, rather than the loop being compiled on stack in the window.)
     */
    private static void once(JsonHttp client, Call call, String path) throws Exception {
        String method = call == Call.HEARTBEAT ? "POST" : "GET";
        JsonHttp.Answer r = client.send(method, path, null, TIMEOUT);
        if (r.status() != 200) {
            throw new IllegalStateException(call.key + " answered " + r.status() + ": " + r.body());
        }
    }

    private void register(int i) throws Exception {
        JsonHttp.Answer r = send(i, "PUT", "/v0/agents/" + prefix + i, "{\"runtimes\":[{\"name\":\"" + RUNTIME + "\"}]}");
        if (r.status() != 200) {
            throw new IllegalStateException("registering " + prefix + i + " answered " + r.status() + ": " + r.body());
        }
    }

    private void unregister(int i) {
        try {
            send(i, "DELETE", "/v0/agents/" + prefix + i, null);
        } catch (Exception e) {
            // best effort: the lease ends by itself
        }
    }

    private JsonHttp.Answer send(int i, String method, String path, String body) throws IOException {
        apiRequests.incrementAndGet();
        return clients.get(i).send(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), TIMEOUT);
    }

    /** Closes the clients and their connections. */
    @Override
    public void close() {
        clients.forEach(JsonHttp::close);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
