package io.adagio.bench;

import static org.awaitility.Awaitility.await;

import io.adagio.Graphs;
import io.adagio.model.GraphSpec;
import io.adagio.support.EtcdProcess;
import io.adagio.support.Http;
import io.adagio.support.ServiceProcess;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The benchmark harness: starts the service as its own JVM ({@code adagio.mode=all}, so the built-in agent
 * pool works over real HTTP and SSE) on the memory and on the etcd backend (a local etcd on free ports),
 * runs the scenarios with {@code debug} nodes that do no work, and writes {@code results.md} and
 * {@code results.json}. See {@code docs/benchmarks.md}; run it with {@code bench/run}.
 *
 * <p>Each repetition starts a fresh service (and, on etcd, a fresh key list), warms it up, then runs the
 * scenarios in order; {@code scale} comes last because it leaves 10,000 runs behind.
 */
public final class Benchmark {
    static final List<String> SCENARIOS = List.of("chain", "fanout", "diamond", "concurrent", "fanout-10k", "scale");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long CLK_TCK = clockTicks();

    /** Command-line options. */
    record Options(List<String> backends, int repeat, boolean smoke, Set<String> only, Path out, int agents,
                   boolean jfr, int scaleRuns) {
        static Options parse(String... args) {
            List<String> backends = List.of("memory", "etcd");
            int repeat = 3;
            boolean smoke = false;
            Set<String> only = new LinkedHashSet<>(SCENARIOS);
            Path out = Path.of("bench", "results");
            int agents = 4;
            boolean jfr = false;
            int scaleRuns = 0;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    v = a.substring(eq + 1);
                    a = a.substring(0, eq);
                }
                switch (a) {
                    case "--smoke" -> smoke = true;
                    case "--jfr" -> jfr = true;
                    case "--backend", "--repeat", "--only", "--out", "--agents", "--scale-runs" -> {
                        if (v == null) {
                            if (i + 1 >= args.length) {
                                throw new IllegalArgumentException(a + " needs a value");
                            }
                            v = args[++i];
                        }
                        switch (a) {
                            case "--backend" -> backends = switch (v) {
                                case "both" -> List.of("memory", "etcd");
                                case "memory", "etcd" -> List.of(v);
                                default -> throw new IllegalArgumentException("--backend memory|etcd|both, not " + v);
                            };
                            case "--repeat" -> repeat = Integer.parseInt(v);
                            case "--out" -> out = Path.of(v);
                            case "--agents" -> agents = Integer.parseInt(v);
                            case "--scale-runs" -> scaleRuns = Integer.parseInt(v);
                            default -> {
                                only = new LinkedHashSet<>();
                                for (String s : v.split(",")) {
                                    if (!SCENARIOS.contains(s.trim())) {
                                        throw new IllegalArgumentException("unknown scenario " + s + "; one of " + SCENARIOS);
                                    }
                                    only.add(s.trim());
                                }
                            }
                        }
                    }
                    case "-h", "--help" -> throw new IllegalArgumentException("help");
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (repeat < 1 || agents < 1) {
                throw new IllegalArgumentException("--repeat and --agents must be at least 1");
            }
            return new Options(backends, repeat, smoke, only, out, agents, jfr, scaleRuns);
        }
    }

    static final String USAGE = """
            usage: bench/run [--backend memory|etcd|both] [--repeat N] [--smoke] [--only scenario[,scenario]]
                             [--agents N] [--out DIR] [--jfr] [--scale-runs N]
              scenarios: chain, fanout, diamond, concurrent, fanout-10k, scale
              --smoke   tiny scenarios (a few seconds); --jfr  record the service with JFR (settings=profile)
              --scale-runs N  runs stored by the scale scenario (default 10,000; 30 in smoke mode)""";

    /** Sizes: the real ones, or tiny ones in smoke mode. */
    record Sizes(int chain, int fanOut, int layers, int width, int concurrentRuns, int bigFanOut, int scaleRuns,
                 int calls, Duration rawWarmUp, Duration rawDuration, Duration timeout, Duration stall) {
        static Sizes of(boolean smoke) {
            return smoke
                    ? new Sizes(20, 50, 3, 5, 5, 200, 30, 3, Duration.ofMillis(200), Duration.ofMillis(500),
                            Duration.ofSeconds(60), Duration.ofSeconds(10))
                    : new Sizes(200, 1000, 10, 50, 50, 10_000, 10_000, 7, Duration.ofSeconds(1), Duration.ofSeconds(4),
                            Duration.ofMinutes(10), Duration.ofSeconds(20));
        }
    }

    /** One repetition's figures of one scenario on one backend. */
    record Sample(String scenario, String backend, int repetition, Map<String, Double> figures, String error) {
    }

    private final Options options;
    private final Sizes sizes;
    private final List<Sample> samples = new ArrayList<>();
    private final Map<String, List<Double>> rawTxn = new LinkedHashMap<>();
    private final List<String> log = new ArrayList<>();

    Benchmark(Options options) {
        this.options = options;
        Sizes z = Sizes.of(options.smoke());
        if (options.scaleRuns() > 0) {
            z = new Sizes(z.chain(), z.fanOut(), z.layers(), z.width(), z.concurrentRuns(), z.bigFanOut(),
                    options.scaleRuns(), z.calls(), z.rawWarmUp(), z.rawDuration(), z.timeout(), z.stall());
        }
        this.sizes = z;
    }

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("help".equals(e.getMessage()) ? USAGE : e.getMessage() + "\n" + USAGE);
            System.exit(2);
            return;
        }
        int errors = run(o);
        System.exit(errors == 0 ? 0 : 1);
    }

    /** Runs the benchmark and writes the results; answers how many samples failed. */
    public static int run(String... args) {
        return run(Options.parse(args));
    }

    static int run(Options o) {
        Benchmark b = new Benchmark(o);
        b.runAll();
        try {
            b.write();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return (int) b.samples.stream().filter(s -> s.error() != null).count();
    }

    private void say(String s) {
        String line = DateTimeFormatter.ISO_LOCAL_TIME.format(java.time.LocalTime.now()).substring(0, 8) + " " + s;
        System.out.println(line);
        System.out.flush();
    }

    // ------------------------------------------------------------------ orchestration

    private void runAll() {
        for (String backend : options.backends()) {
            EtcdProcess etcd = null;
            try {
                if (backend.equals("etcd")) {
                    etcd = EtcdProcess.start();
                    say("etcd at " + etcd.endpoint());
                }
                for (int rep = 1; rep <= options.repeat(); rep++) {
                    try {
                        repetition(backend, rep, etcd);
                    } catch (Exception e) {
                        say(backend + " #" + rep + " failed: " + e);
                        samples.add(new Sample("setup", backend, rep, Map.of(), String.valueOf(e)));
                    }
                }
            } catch (Exception e) {
                say("backend " + backend + " failed: " + e);
                e.printStackTrace();
                samples.add(new Sample("setup", backend, 0, Map.of(), String.valueOf(e)));
            } finally {
                if (etcd != null) {
                    etcd.close();
                }
            }
        }
    }

    private ServiceProcess startService(String backend, int rep, int attempt, EtcdProcess etcd) throws Exception {
        String tag = backend + "-" + rep + (attempt > 1 ? "-" + attempt : "");
        List<String> jvm = new ArrayList<>(List.of("-Xmx1g"));
        if (options.jfr()) {
            Files.createDirectories(options.out());
            Path jfr = options.out().resolve("service-" + tag + ".jfr").toAbsolutePath();
            jvm.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile,dumponexit=true");
            say("JFR → " + jfr);
        }
        List<String> args = new ArrayList<>(List.of("--adagio.mode=all", "--adagio.backend=" + backend,
                "--adagio.agent.concurrency=" + options.agents()));
        if (etcd != null) {
            args.add("--adagio.etcd.endpoints=" + etcd.endpoint());
            args.add("--adagio.etcd.list=bench-" + tag + "-" + System.nanoTime());
        }
        say(backend + " #" + rep + ": starting the service" + (attempt > 1 ? " again (a fresh store)" : ""));
        ServiceProcess service = ServiceProcess.startWithJvm(jvm, args.toArray(String[]::new));
        try {
            awaitAgents(service.http());
            warmUp(service.http(), backend);
            return service;
        } catch (Exception | AssertionError e) {
            stop(service, options.out().resolve("service-" + tag + ".log"));
            throw e;
        }
    }

    /**
     * One repetition: a fresh service (a fresh etcd list), the raw-etcd bound, then the scenarios in order.
     * A failed scenario may leave work behind that never ends (and keeps agents busy), so the next scenario
     * gets a fresh service and store.
     */
    private void repetition(String backend, int rep, EtcdProcess etcd) throws Exception {
        int attempt = 1;
        ServiceProcess service = startService(backend, rep, attempt, etcd);
        try {
            if (etcd != null) {
                RawEtcd.Result raw = RawEtcd.measure(etcd.endpoint(), options.agents(), sizes.rawWarmUp(), sizes.rawDuration());
                rawTxn.computeIfAbsent("txn_per_s", k -> new ArrayList<>()).add(raw.txnPerSecond());
                rawTxn.computeIfAbsent("txn_mean_ms", k -> new ArrayList<>()).add(raw.meanMillis());
                say(String.format(Locale.ROOT, "etcd #%d: raw %.0f txn/s with %d threads (%.2f ms each)", rep,
                        raw.txnPerSecond(), options.agents(), raw.meanMillis()));
            }
            for (String scenario : SCENARIOS) {
                if (!options.only().contains(scenario)) {
                    continue;
                }
                if (service == null) {
                    service = startService(backend, rep, ++attempt, etcd);
                }
                try {
                    Http http = service.http();
                    awaitQuiet(http);
                    Map<String, Double> f = scenario(scenario, http, service.process().pid());
                    if (etcd != null && f.containsKey("nodes_per_s") && rawTxn.containsKey("txn_per_s")) {
                        List<Double> raws = rawTxn.get("txn_per_s");
                        f.put("etcd_bound_ratio", f.get("nodes_per_s") / (raws.get(raws.size() - 1) / 2));
                    }
                    samples.add(new Sample(scenario, backend, rep, f, null));
                    say(backend + " #" + rep + " " + scenario + ": " + format(f));
                } catch (Exception | AssertionError e) {
                    say(backend + " #" + rep + " " + scenario + " FAILED: " + e);
                    samples.add(new Sample(scenario, backend, rep, Map.of(), String.valueOf(e)));
                    stop(service, options.out().resolve("service-" + backend + "-" + rep
                            + (attempt > 1 ? "-" + attempt : "") + ".log"));
                    service = null;
                }
            }
        } finally {
            if (service != null) {
                stop(service, options.out().resolve("service-" + backend + "-" + rep
                        + (attempt > 1 ? "-" + attempt : "") + ".log"));
            }
        }
    }

    /** SIGTERM first, so a JFR recording is written, then make sure; keeps what the service printed. */
    private static void stop(ServiceProcess service, Path log) {
        service.terminate();
        try {
            service.process().waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, service.output());
        } catch (IOException e) {
            // best effort
        }
        service.close();
    }

    private Map<String, Double> scenario(String name, Http http, long pid) throws Exception {
        Sizes z = sizes;
        return switch (name) {
            case "chain" -> graphs(http, pid, List.of(Graphs.chain(z.chain(), "debug")), 1);
            case "fanout" -> graphs(http, pid, List.of(Graphs.fanOut(z.fanOut(), "debug")), 1);
            case "diamond" -> graphs(http, pid, List.of(Graphs.diamond(z.layers(), z.width(), "debug")), 1);
            case "concurrent" -> {
                String seven = sevenExample();
                List<String> bodies = new ArrayList<>();
                for (int i = 0; i < z.concurrentRuns(); i++) {
                    bodies.add(seven);
                }
                yield run(http, pid, bodies, z.concurrentRuns());
            }
            // root + (n-1) leaves: n nodes in all, within the default adagio.limits.max-nodes of 10,000
            case "fanout-10k" -> graphs(http, pid, List.of(Graphs.fanOut(z.bigFanOut() - 1, "debug")), 1);
            case "scale" -> scale(http);
            default -> throw new IllegalArgumentException(name);
        };
    }

    // ------------------------------------------------------------------ the service

    private void awaitAgents(Http http) {
        await("the pool's " + options.agents() + " agents register").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    Http.Reply r = http.get("/v0/agents");
                    return r.status() == 200 && r.json().path("agents").size() >= options.agents();
                });
    }

    /**
     * About 1,300 nodes the JIT can learn from, not measured, on both backends (with less, the etcd figures
     * mostly measured the JIT compiling: see docs/benchmarks.md).
     */
    private void warmUp(Http http, String backend) throws Exception {
        List<String> bodies = new ArrayList<>();
        if (options.smoke()) {
            bodies.add(body(Graphs.fanOut(20, "debug")));
        } else {
            bodies.add(body(Graphs.fanOut(1000, "debug")));
            bodies.add(body(Graphs.chain(100, "debug")));
            bodies.add(body(Graphs.diamond(3, 20, "debug")));
            for (int i = 0; i < 20; i++) {
                bodies.add(sevenExample());
            }
        }
        long t0 = System.nanoTime();
        int nodes = 0;
        long before = completed(http);
        for (String b : bodies) {
            nodes += start(http, b).nodes;
        }
        awaitCompleted(http, before + nodes);
        say(String.format(Locale.ROOT, "warm-up: %d nodes in %.1f s", nodes, (System.nanoTime() - t0) / 1e9));
    }

    private JsonNode stats(Http http) {
        Http.Reply r = http.get("/v0/stats");
        if (r.status() != 200) {
            throw new IllegalStateException("GET /v0/stats: " + r.status() + " " + r.body());
        }
        return r.json().path("stats");
    }

    private long completed(Http http) {
        return stats(http).path("node_counts").path("completed_count").asLong();
    }

    /** Until nothing is waiting, ready, running or orphaned. */
    private void awaitQuiet(Http http) {
        await("the store settles").atMost(sizes.stall()).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode c = stats(http).path("node_counts");
            return c.path("waiting_count").asLong() + c.path("ready_count").asLong()
                    + c.path("running_count").asLong() + c.path("orphaned_count").asLong() == 0;
        });
    }

    /** Polls {@code /v0/stats} (cheap, unlike a whole run) until {@code target} nodes are completed. */
    private void awaitCompleted(Http http, long target) {
        long[] seen = {-1};
        long[] progressAt = {System.nanoTime()};
        await("completed nodes reach " + target).atMost(sizes.timeout())
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    JsonNode c = stats(http).path("node_counts");
                    long done = c.path("completed_count").asLong();
                    long now = System.nanoTime();
                    if (done != seen[0]) {
                        seen[0] = done;
                        progressAt[0] = now;
                    } else if (now - progressAt[0] > sizes.stall().toNanos()) {
                        throw new IllegalStateException("no node completed for " + sizes.stall().toSeconds()
                                + " s; waiting for " + target + " completed nodes: " + c);
                    }
                    return done >= target;
                });
    }

    private record Started(String id, int nodes, double millis) {
    }

    private static Started start(Http http, String body) {
        long t0 = System.nanoTime();
        Http.Reply r = http.put("/v0/runs", body);
        double ms = (System.nanoTime() - t0) / 1e6;
        if (r.status() != 200) {
            throw new IllegalStateException("PUT /v0/runs: " + r.status() + " " + r.body());
        }
        JsonNode run = r.json().path("run");
        return new Started(run.path("id").asString(), run.path("nodes").size(), ms);
    }

    // ------------------------------------------------------------------ graph scenarios

    private Map<String, Double> graphs(Http http, long pid, List<GraphSpec> graphs, int threads) throws Exception {
        List<String> bodies = new ArrayList<>();
        for (GraphSpec g : graphs) {
            bodies.add(body(g));
        }
        return run(http, pid, bodies, threads);
    }

    /**
     * Starts the runs ({@code threads} at once), waits until all their nodes completed, then reads each run
     * once: nodes/s from the first submit to the last finished_at; ready→claimed from the nodes' times.
     */
    private Map<String, Double> run(Http http, long pid, List<String> bodies, int threads) throws Exception {
        long before = completed(http);
        List<Started> started = new ArrayList<>();
        long cpu0 = cpuTicks(pid);
        Instant t0;
        if (threads <= 1) {
            t0 = Instant.now();
            for (String b : bodies) {
                started.add(start(http, b));
            }
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch go = new CountDownLatch(1);
                CountDownLatch waiting = new CountDownLatch(Math.min(threads, bodies.size()));
                List<Future<Started>> futures = new ArrayList<>();
                for (String b : bodies) {
                    futures.add(pool.submit(() -> {
                        waiting.countDown();
                        go.await();
                        return start(http, b);
                    }));
                }
                waiting.await(); // every client thread is at the starting line
                t0 = Instant.now();
                go.countDown();
                for (Future<Started> f : futures) {
                    started.add(f.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
        int nodes = started.stream().mapToInt(Started::nodes).sum();
        awaitCompleted(http, before + nodes);
        long cpu1 = cpuTicks(pid);

        List<Double> readyToClaim = new ArrayList<>();
        List<Double> claimToFinish = new ArrayList<>();
        Instant last = t0;
        for (Started s : started) {
            Http.Reply r = http.get("/v0/runs/" + s.id());
            if (r.status() != 200) {
                throw new IllegalStateException("GET run " + s.id() + ": " + r.status());
            }
            JsonNode run = r.json().path("run");
            if (!"COMPLETED".equals(run.path("status").asString()) || !"SUCCEEDED".equals(run.path("outcome").asString())) {
                throw new IllegalStateException("run " + s.id() + " is " + run.path("status").asString() + "/"
                        + run.path("outcome").asString());
            }
            Instant lastOfRun = latencies(run, readyToClaim, claimToFinish);
            if (lastOfRun.isAfter(last)) {
                last = lastOfRun;
            }
        }
        double wall = Duration.between(t0, last).toNanos() / 1e9;
        double[] lat = readyToClaim.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] st = started.stream().mapToDouble(Started::millis).sorted().toArray();
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("runs", (double) started.size());
        f.put("nodes", (double) nodes);
        f.put("wall_s", wall);
        f.put("nodes_per_s", nodes / wall);
        f.put("ready_claim_p50_ms", percentile(lat, 50));
        f.put("ready_claim_p99_ms", percentile(lat, 99));
        f.put("ready_claim_max_ms", lat.length == 0 ? Double.NaN : lat[lat.length - 1]);
        double[] cf = claimToFinish.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        f.put("claim_finish_p50_ms", percentile(cf, 50));
        f.put("start_p50_ms", percentile(st, 50));
        f.put("start_max_ms", st[st.length - 1]);
        f.put("cpu_s", (cpu1 - cpu0) / (double) CLK_TCK);
        return f;
    }

    /**
     * Adds each node's ready→claimed time (ms) and answers the run's last finished_at. A root is READY when
     * the run was created; another node when its last parent finished. The claim time is started_at.
     */
    static Instant latencies(JsonNode run, List<Double> out, List<Double> claimToFinish) {
        Instant created = Instant.parse(run.path("created_at").asString());
        Map<String, Instant> finished = new HashMap<>();
        Map<String, Instant> startedAt = new HashMap<>();
        Instant last = created;
        for (JsonNode n : run.path("nodes")) {
            String name = n.path("spec").path("name").asString();
            Instant fin = Instant.parse(n.path("finished_at").asString());
            finished.put(name, fin);
            Instant st = Instant.parse(n.path("started_at").asString());
            startedAt.put(name, st);
            claimToFinish.add(Duration.between(st, fin).toNanos() / 1e6);
            if (fin.isAfter(last)) {
                last = fin;
            }
        }
        Map<String, Instant> ready = new HashMap<>();
        for (JsonNode e : run.path("edges")) {
            String src = e.path("source").asString();
            String dst = e.path("destination").asString();
            Instant p = finished.get(src);
            ready.merge(dst, p, (a, b) -> a.isAfter(b) ? a : b);
        }
        for (Map.Entry<String, Instant> s : startedAt.entrySet()) {
            Instant r = ready.getOrDefault(s.getKey(), created);
            out.add(Duration.between(r, s.getValue()).toNanos() / 1e6);
        }
        return last;
    }

    // ------------------------------------------------------------------ scale

    /**
     * Stores {@code scaleRuns} completed single-node runs (created through the API by 8 clients, completed by
     * the pool), then times the first page of runs and the stats, median of several calls.
     */
    private Map<String, Double> scale(Http http) throws Exception {
        int n = sizes.scaleRuns();
        long before = completed(http);
        String body = body(Graphs.single("only"));
        AtomicInteger next = new AtomicInteger();
        int clients = 8;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                fs.add(pool.submit(() -> {
                    while (next.getAndIncrement() < n) {
                        start(http, body);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double createS = (System.nanoTime() - t0) / 1e9;
        awaitCompleted(http, before + n);
        double allS = (System.nanoTime() - t0) / 1e9;
        awaitQuiet(http);
        long stored = stats(http).path("run_count").asLong();

        double[] list = new double[sizes.calls()];
        double[] stats = new double[sizes.calls()];
        int pageSize = 0;
        long pageBytes = 0;
        for (int i = 0; i < sizes.calls(); i++) {
            long a = System.nanoTime();
            Http.Reply page = http.get("/v0/runs?limit=100");
            list[i] = (System.nanoTime() - a) / 1e6;
            if (page.status() != 200) {
                throw new IllegalStateException("GET /v0/runs: " + page.status());
            }
            pageSize = page.json().path("runs").size();
            pageBytes = page.body().length();
            a = System.nanoTime();
            Http.Reply s = http.get("/v0/stats");
            stats[i] = (System.nanoTime() - a) / 1e6;
            if (s.status() != 200) {
                throw new IllegalStateException("GET /v0/stats: " + s.status());
            }
        }
        Arrays.sort(list);
        Arrays.sort(stats);
        if (pageSize != Math.min(100, stored)) {
            throw new IllegalStateException("the first page has " + pageSize + " runs of " + stored);
        }
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("runs_created", (double) n);
        f.put("runs_stored", (double) stored);
        f.put("create_runs_per_s", n / createS);
        f.put("complete_runs_per_s", n / allS);
        f.put("list_first_page_ms", percentile(list, 50));
        f.put("list_first_page_bytes", (double) pageBytes);
        f.put("stats_ms", percentile(stats, 50));
        return f;
    }

    // ------------------------------------------------------------------ helpers

    static String body(GraphSpec g) {
        return Http.json(Map.of("spec", g));
    }

    /** examples/example.json with g's runtime changed to debug (Graphs.seven(), the same graph, without it). */
    static String sevenExample() {
        Path p = Path.of("examples", "example.json");
        if (!Files.exists(p)) {
            return body(Graphs.seven());
        }
        try {
            JsonNode tree = JSON.readTree(Files.readString(p));
            for (JsonNode n : tree.path("nodes")) {
                if ("g".equals(n.path("name").asString())) {
                    ((ObjectNode) n).put("runtime", "debug");
                }
            }
            return JSON.writeValueAsString(Map.of("spec", tree));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Nearest rank. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** utime + stime of a process, in clock ticks. */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may hold spaces: fields after the closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15
        } catch (IOException e) {
            return 0;
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(s);
        } catch (Exception e) {
            return 100;
        }
    }

    private static String format(Map<String, Double> f) {
        StringBuilder b = new StringBuilder();
        f.forEach((k, v) -> b.append(k).append('=').append(fmt(v)).append(' '));
        return b.toString().trim();
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        double a = Math.abs(v);
        if (a >= 100 || (v == Math.rint(v) && a < 1e15)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    // ------------------------------------------------------------------ the report

    /** Median, min and max of one figure over the repetitions. */
    record Agg(double median, double min, double max, List<Double> values) {
        static Agg of(List<Double> values) {
            double[] s = values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).sorted().toArray();
            if (s.length == 0) {
                return new Agg(Double.NaN, Double.NaN, Double.NaN, values);
            }
            double med = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
            return new Agg(med, s[0], s[s.length - 1], values);
        }

        String text() {
            if (Double.isNaN(median)) {
                return "–";
            }
            return values.size() > 1 ? fmt(median) + " (" + fmt(min) + "–" + fmt(max) + ")" : fmt(median);
        }
    }

    private Map<String, Agg> aggregate(String scenario, String backend) {
        Map<String, List<Double>> by = new LinkedHashMap<>();
        for (Sample s : samples) {
            if (s.scenario().equals(scenario) && s.backend().equals(backend) && s.error() == null) {
                s.figures().forEach((k, v) -> by.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
            }
        }
        Map<String, Agg> out = new LinkedHashMap<>();
        by.forEach((k, v) -> out.put(k, Agg.of(v)));
        return out;
    }

    Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu", cpuModel());
        m.put("memory_mb", memTotalMb());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        m.put("etcd", options.backends().contains("etcd") ? etcdVersion() : "(not used)");
        return m;
    }

    private void write() throws IOException {
        Files.createDirectories(options.out());
        String when = DateTimeFormatter.ISO_INSTANT.format(Instant.now().atOffset(ZoneOffset.UTC).toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        Map<String, Object> machine = machine();

        Map<String, Object> root = new LinkedHashMap<>();
        root.put("timestamp", when);
        root.put("machine", machine);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("smoke", options.smoke());
        config.put("repeat", options.repeat());
        config.put("agents", options.agents());
        config.put("backends", options.backends());
        config.put("scenarios", new ArrayList<>(options.only()));
        config.put("service_jvm", "-Xmx1g" + (options.jfr() ? " + JFR" : ""));
        root.put("config", config);
        Map<String, Object> raw = new LinkedHashMap<>();
        rawTxn.forEach((k, v) -> raw.put(k, aggJson(Agg.of(v))));
        root.put("raw_etcd", raw);
        List<Object> scen = new ArrayList<>();
        for (String scenario : SCENARIOS) {
            for (String backend : options.backends()) {
                if (!options.only().contains(scenario)) {
                    continue;
                }
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("scenario", scenario);
                s.put("backend", backend);
                Map<String, Object> figs = new LinkedHashMap<>();
                aggregate(scenario, backend).forEach((k, a) -> figs.put(k, aggJson(a)));
                s.put("figures", figs);
                List<String> errors = samples.stream().filter(x -> x.scenario().equals(scenario)
                        && x.backend().equals(backend) && x.error() != null).map(x -> "#" + x.repetition() + ": " + x.error()).toList();
                s.put("errors", errors);
                scen.add(s);
            }
        }
        root.put("scenarios", scen);
        List<String> setup = samples.stream().filter(x -> x.scenario().equals("setup")).map(x -> x.backend() + ": " + x.error()).toList();
        root.put("setup_errors", setup);
        root.put("targets", targets());
        Files.writeString(options.out().resolve("results.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        Files.writeString(options.out().resolve("results.md"), markdown(when, machine, setup));
        say("wrote " + options.out().resolve("results.md") + " and results.json");
        System.out.println(markdown(when, machine, setup));
    }

    private static Map<String, Object> aggJson(Agg a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median", finite(a.median()));
        m.put("min", finite(a.min()));
        m.put("max", finite(a.max()));
        m.put("values", a.values().stream().map(Benchmark::finite).toList());
        return m;
    }

    private static Object finite(double d) {
        return Double.isNaN(d) || Double.isInfinite(d) ? null : (Object) (Math.round(d * 1000) / 1000.0);
    }

    private static final Map<String, String> TITLES = Map.of(
            "chain", "chain of %d", "fanout", "fan-out 1 → %d", "diamond", "diamond %d×%d",
            "concurrent", "%d × the 7-node example", "fanout-10k", "fan-out, %d nodes", "scale", "scale");

    private String title(String scenario) {
        Sizes z = sizes;
        return switch (scenario) {
            case "chain" -> String.format(TITLES.get(scenario), z.chain());
            case "fanout" -> String.format(TITLES.get(scenario), z.fanOut());
            case "diamond" -> String.format(TITLES.get(scenario), z.layers(), z.width());
            case "concurrent" -> String.format(TITLES.get(scenario), z.concurrentRuns());
            case "fanout-10k" -> String.format(TITLES.get(scenario), z.bigFanOut());
            default -> scenario;
        };
    }

    private String markdown(String when, Map<String, Object> machine, List<String> setupErrors) {
        StringBuilder b = new StringBuilder();
        b.append("# adagio benchmark results\n\n");
        b.append("- when: ").append(when).append(options.smoke() ? " (**smoke mode**: tiny scenarios, not figures to quote)" : "").append('\n');
        machine.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
        b.append("- agents (pool concurrency, raw-etcd threads): ").append(options.agents())
                .append("; repetitions: ").append(options.repeat()).append("; service JVM: -Xmx1g")
                .append(options.jfr() ? " with JFR" : "").append('\n');
        b.append("\nEach cell: median over the repetitions, (min–max) when there are several.\n\n");
        b.append("| scenario | backend | nodes | nodes/s | ready→claimed p50 ms | p99 ms | claimed→finished p50 ms | start-run ms | service CPU s | vs etcd bound |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String scenario : SCENARIOS) {
            if (scenario.equals("scale") || !options.only().contains(scenario)) {
                continue;
            }
            for (String backend : options.backends()) {
                Map<String, Agg> a = aggregate(scenario, backend);
                if (a.isEmpty()) {
                    if (failures(scenario, backend) > 0) {
                        b.append("| ").append(title(scenario)).append(" | ").append(backend)
                                .append(" | – | **failed** (").append(failures(scenario, backend))
                                .append(" of ").append(options.repeat()).append(", see errors) | – | – | – | – | – | – |\n");
                    }
                    continue;
                }
                b.append("| ").append(title(scenario)).append(" | ").append(backend).append(" | ")
                        .append(cell(a, "nodes", false)).append(" | ")
                        .append(cell(a, "nodes_per_s", true)).append(" | ")
                        .append(cell(a, "ready_claim_p50_ms", true)).append(" | ")
                        .append(cell(a, "ready_claim_p99_ms", true)).append(" | ")
                        .append(cell(a, "claim_finish_p50_ms", true)).append(" | ")
                        .append(cell(a, "start_p50_ms", true)).append(" | ")
                        .append(cell(a, "cpu_s", true)).append(" | ")
                        .append(a.containsKey("etcd_bound_ratio") ? pct(a.get("etcd_bound_ratio")) : "–").append(" |\n");
            }
        }
        if (rawTxn.containsKey("txn_per_s")) {
            Agg raw = Agg.of(rawTxn.get("txn_per_s"));
            b.append("\nRaw etcd (same etcd, ").append(options.agents()).append(" threads, compare-and-put on its own key): **")
                    .append(raw.text()).append(" txn/s** (")
                    .append(Agg.of(rawTxn.get("txn_mean_ms")).text()).append(" ms each) → bound ")
                    .append(fmt(raw.median() / 2)).append(" nodes/s (a node costs at least a claim and a finish).\n");
        }
        if (options.only().contains("scale")) {
            b.append("\n| scale | backend | runs stored | GET /v0/runs?limit=100 ms | GET /v0/stats ms | page bytes | runs created/s | runs completed/s |\n");
            b.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
            for (String backend : options.backends()) {
                Map<String, Agg> a = aggregate("scale", backend);
                b.append("| ").append(fmt(sizes.scaleRuns())).append(" single-node runs | ").append(backend).append(" | ")
                        .append(cell(a, "runs_stored", false)).append(" | ")
                        .append(cell(a, "list_first_page_ms", true)).append(" | ")
                        .append(cell(a, "stats_ms", true)).append(" | ")
                        .append(cell(a, "list_first_page_bytes", false)).append(" | ")
                        .append(cell(a, "create_runs_per_s", true)).append(" | ")
                        .append(cell(a, "complete_runs_per_s", true)).append(" |\n");
            }
        }
        List<Map<String, Object>> t = targets();
        if (!t.isEmpty()) {
            b.append("\n| target | measured (median) | met |\n|---|---|---|\n");
            for (Map<String, Object> x : t) {
                b.append("| ").append(x.get("target")).append(" | ").append(x.get("measured")).append(" | ")
                        .append(Boolean.TRUE.equals(x.get("met")) ? "yes" : "**no**").append(" |\n");
            }
        }
        List<String> errors = new ArrayList<>(setupErrors);
        samples.stream().filter(s -> s.error() != null && !s.scenario().equals("setup"))
                .forEach(s -> errors.add(s.scenario() + " on " + s.backend() + " #" + s.repetition() + ": " + s.error()));
        if (!errors.isEmpty()) {
            b.append("\nErrors:\n\n");
            errors.forEach(e -> b.append("- ").append(e).append('\n'));
        }
        return b.toString();
    }

    private long failures(String scenario, String backend) {
        return samples.stream().filter(x -> x.scenario().equals(scenario) && x.backend().equals(backend)
                && x.error() != null).count();
    }

    private static String cell(Map<String, Agg> a, String key, boolean range) {
        Agg x = a.get(key);
        if (x == null) {
            return "–";
        }
        return range ? x.text() : fmt(x.median());
    }

    private static String pct(Agg a) {
        String m = String.format(Locale.ROOT, "%.0f%%", a.median() * 100);
        return a.values().size() > 1 ? m + String.format(Locale.ROOT, " (%.0f–%.0f%%)", a.min() * 100, a.max() * 100) : m;
    }

    /** The issue's targets, checked against the medians (smoke results are checked too, but mean nothing). */
    List<Map<String, Object>> targets() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String backend : options.backends()) {
            for (String scenario : SCENARIOS) {
                if (scenario.equals("scale") || !options.only().contains(scenario)) {
                    continue;
                }
                Map<String, Agg> a = aggregate(scenario, backend);
                if (a.isEmpty()) {
                    if (failures(scenario, backend) > 0) {
                        out.add(target(title(scenario) + " on " + backend + ": completes at all", "failed", false));
                    }
                    continue;
                }
                if (backend.equals("etcd") && a.containsKey("etcd_bound_ratio")) {
                    double r = a.get("etcd_bound_ratio").median();
                    out.add(target(title(scenario) + " on etcd: nodes/s ≥ 50% of the raw-etcd bound", pctText(r), r >= 0.5));
                }
                if (backend.equals("memory")) {
                    double v = a.get("nodes_per_s").median();
                    out.add(target(title(scenario) + " on memory: ≥ 2,000 nodes/s", fmt(v) + " nodes/s", v >= 2000));
                }
                double limit = backend.equals("memory") ? 10 : 25;
                double p50 = a.get("ready_claim_p50_ms").median();
                out.add(target(title(scenario) + " on " + backend + ": ready→claimed p50 < " + fmt(limit) + " ms",
                        fmt(p50) + " ms", p50 < limit));
            }
            if (options.only().contains("fanout") && options.only().contains("fanout-10k")) {
                Map<String, Agg> small = aggregate("fanout", backend);
                Map<String, Agg> big = aggregate("fanout-10k", backend);
                if (small.containsKey("nodes_per_s") && big.containsKey("nodes_per_s")) {
                    double r = big.get("nodes_per_s").median() / small.get("nodes_per_s").median();
                    out.add(target("fan-out " + fmt(sizes.bigFanOut()) + " within 30% of fan-out " + fmt(sizes.fanOut())
                            + " in nodes/s on " + backend, pctText(r) + " of it", r >= 0.7));
                }
            }
            if (options.only().contains("scale")) {
                Map<String, Agg> a = aggregate("scale", backend);
                if (a.containsKey("list_first_page_ms")) {
                    double v = a.get("list_first_page_ms").median();
                    out.add(target("first page of runs < 100 ms with " + fmt(a.get("runs_stored").median())
                            + " runs stored on " + backend, fmt(v) + " ms", v < 100));
                }
            }
        }
        return out;
    }

    private static Map<String, Object> target(String what, String measured, boolean met) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", what);
        m.put("measured", measured);
        m.put("met", met);
        return m;
    }

    private static String pctText(double r) {
        return String.format(Locale.ROOT, "%.0f%%", r * 100);
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "unknown";
    }

    private static long memTotalMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return 0;
    }

    private static String etcdVersion() {
        for (String bin : List.of("etcd", "/usr/bin/etcd")) {
            try {
                Process p = new ProcessBuilder(bin, "--version").redirectErrorStream(true).start();
                String s = new String(p.getInputStream().readAllBytes());
                p.waitFor(10, TimeUnit.SECONDS);
                for (String line : s.split("\n")) {
                    if (line.startsWith("etcd Version:")) {
                        return line.substring("etcd Version:".length()).trim();
                    }
                }
            } catch (IOException e) {
                // next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return "unknown";
    }
}
