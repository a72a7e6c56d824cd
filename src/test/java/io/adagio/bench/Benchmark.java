package io.adagio.bench;

import static org.awaitility.Awaitility.await;

import io.adagio.Graphs;
import io.adagio.model.GraphSpec;
import io.adagio.support.EtcdProcess;
import io.adagio.support.Http;
import io.adagio.support.ServiceProcess;
import org.awaitility.pollinterval.PollInterval;
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
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark harness: starts the service as its own JVM in both deployments — {@code adagio.mode=all} (the
 * API and the agent pool in one process) and {@code adagio.mode=api} plus a separate {@code adagio.mode=agent}
 * process (see {@link Deployment}) — on the memory and on the etcd backend (a local etcd on free ports), runs
 * the scenarios with {@code debug} nodes that do no work, and writes {@code results.md} and
 * {@code results.json} ({@link Report}). See {@code docs/benchmarks.md}; run it with {@code bench/run}.
 *
 * <p>Each repetition starts, per topology, a fresh service (and, on etcd, a fresh key list), warms it up,
 * measures raw etcd (and, in {@code split}, the raw HTTP round trip to the api process), then runs the
 * scenarios in order; {@code scale} and {@code scale-fanout} come last
 * because they leave 10,000 runs and 100,000 nodes behind.
 */
public final class Benchmark {
    static final List<String> SCENARIOS = List.of("chain", "fanout", "diamond", "concurrent", "fanout-10k",
            "chain-1000", "scale", "scale-fanout");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final long CLK_TCK = clockTicks();

    /**
     * Command-line options; {@code slots} 0 means not set (the service's default); {@code warmUp} −1 means the
     * default (8 rounds of the warm-up mix, 1 in smoke mode); {@code rehearsal} caps each scenario's rehearsal
     * ({@link #rehearse}; zero: none).
     */
    record Options(List<String> backends, List<String> topologies, int repeat, boolean smoke, Set<String> only,
                   Path out, int agents, int slots, boolean jfr, int scaleRuns, int warmUp,
                   Duration rehearsal) {
        static Options parse(String... args) {
            List<String> backends = List.of("memory", "etcd");
            List<String> topologies = Deployment.TOPOLOGIES;
            int repeat = 3;
            boolean smoke = false;
            Set<String> only = new LinkedHashSet<>(SCENARIOS);
            Path out = Path.of("bench", "results");
            int agents = 4;
            int slots = 0;
            boolean jfr = false;
            int scaleRuns = 0;
            int warmUp = -1;
            Duration rehearsal = Duration.ofSeconds(20);
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
                    case "--backend", "--topology", "--repeat", "--only", "--out", "--agents", "--slots",
                         "--scale-runs", "--warmup", "--rehearsal" -> {
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
                            case "--topology" -> topologies = switch (v) {
                                case "both" -> Deployment.TOPOLOGIES;
                                case "all", "split" -> List.of(v);
                                default -> throw new IllegalArgumentException("--topology all|split|both, not " + v);
                            };
                            case "--repeat" -> repeat = Integer.parseInt(v);
                            case "--out" -> out = Path.of(v);
                            case "--agents" -> agents = Integer.parseInt(v);
                            case "--slots" -> {
                                slots = Integer.parseInt(v);
                                if (slots < 1) {
                                    throw new IllegalArgumentException("--slots must be at least 1");
                                }
                            }
                            case "--scale-runs" -> scaleRuns = Integer.parseInt(v);
                            case "--warmup" -> {
                                warmUp = Integer.parseInt(v);
                                if (warmUp < 0) {
                                    throw new IllegalArgumentException("--warmup must be at least 0");
                                }
                            }
                            case "--rehearsal" -> {
                                rehearsal = Duration.ofSeconds(Integer.parseInt(v));
                                if (rehearsal.isNegative()) {
                                    throw new IllegalArgumentException("--rehearsal must be at least 0");
                                }
                            }
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
            return new Options(backends, topologies, repeat, smoke, only, out, agents, slots, jfr, scaleRuns, warmUp,
                    rehearsal);
        }
    }

    static final String USAGE = """
            usage: bench/run [--backend memory|etcd|both] [--topology all|split|both] [--repeat N] [--smoke]
                             [--only scenario[,scenario]] [--agents N] [--slots N] [--out DIR] [--jfr] [--scale-runs N]
                             [--warmup N] [--rehearsal S]
              scenarios: chain, fanout, diamond, concurrent, fanout-10k, chain-1000, scale, scale-fanout
              --topology  all: the service in mode all; split: mode api plus a mode agent process; both (default)
              --smoke     tiny scenarios (under a minute); --jfr  record the service (and agent) JVM with JFR
              --slots N   passed as adagio.agent.slots (nodes an agent holds at once); unset: the service's default
              --scale-runs N  runs stored by the scale scenario (default 10,000; 30 in smoke mode)
              --warmup N  unmeasured warm-up of each fresh deployment: rounds of a 1,301-node mix (21 in smoke
                          mode) until N nodes are reached (0: none); default 10,408 (8 rounds; 21 in smoke)
              --rehearsal S  each node scenario but scale-fanout runs its own runs unmeasured first, in rounds of
                          at least 0.5 s until the JIT used < 10% of a round's CPU, for at most S seconds
                          (default 20; 0: none, the figures of a scenario's first run; smoke: one round)""";

    /** Sizes: the real ones, or tiny ones in smoke mode. */
    record Sizes(int chain, int fanOut, int layers, int width, int concurrentRuns, int bigFanOut, int longChain,
                 int scaleRuns, int scaleFanRuns, int scaleFanNodes, int calls, Duration rawWarmUp,
                 Duration rawDuration, Duration timeout, Duration stall) {
        static Sizes of(boolean smoke) {
            return smoke
                    ? new Sizes(20, 50, 3, 5, 5, 200, 50, 30, 5, 20, 3, Duration.ofMillis(200), Duration.ofMillis(500),
                            Duration.ofSeconds(60), Duration.ofSeconds(10))
                    : new Sizes(200, 1000, 10, 50, 50, 10_000, 1000, 10_000, 100, 1000, 7, Duration.ofSeconds(1),
                            Duration.ofSeconds(4), Duration.ofMinutes(30), Duration.ofSeconds(20));
        }

        Sizes withScaleRuns(int n) {
            return new Sizes(chain, fanOut, layers, width, concurrentRuns, bigFanOut, longChain, n, scaleFanRuns,
                    scaleFanNodes, calls, rawWarmUp, rawDuration, timeout, stall);
        }
    }

    /** One repetition's figures of one scenario on one backend in one topology. */
    record Sample(String scenario, String backend, String topology, int repetition, Map<String, Double> figures,
                  String error) {
    }

    /** Counters read just outside a scenario's measured window. */
    private record Scrape(Map<String, Double> etcdCalls, Map<String, Double> etcdStreamSent,
                          Map<String, Double> etcdStreamReceived, double etcdCpuS, double apiRequests, double agentRequests,
                          long harnessRequests, long harnessStats, long harnessEtcdTxns) {
    }

    private final Options options;
    private final Sizes sizes;
    private final List<Sample> samples = new ArrayList<>();
    private final Map<String, List<Double>> rawTxn = new LinkedHashMap<>();
    /** The raw HTTP round trips of the split repetitions ({@link RawHttp}), by backend. */
    private final Map<String, Map<String, List<Double>>> rawHttp = new LinkedHashMap<>();
    /** The harness's own requests to the API (PUT /v0/runs, GET /v0/stats, GET of runs), and its stats calls. */
    private final AtomicLong harnessRequests = new AtomicLong();
    private final AtomicLong statsCalls = new AtomicLong();
    /** The harness's own read-only transactions in etcd ({@link #awaitRunsCompleted}), taken out of the figures. */
    private final AtomicLong harnessEtcdTxns = new AtomicLong();
    /** The harness's own client of the deployment's etcd, while there is one. */
    private io.etcd.jetcd.Client harnessEtcd;
    /** etcd's own metrics endpoint (the client URL), while the etcd backend is measured. */
    private Http etcdMetrics;

    Benchmark(Options options) {
        this.options = options;
        Sizes z = Sizes.of(options.smoke());
        this.sizes = options.scaleRuns() > 0 ? z.withScaleRuns(options.scaleRuns()) : z;
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
                    etcdMetrics = new Http(etcd.endpoint());
                    harnessEtcd = io.etcd.jetcd.Client.builder().endpoints(etcd.endpoint()).build();
                    say("etcd at " + etcd.endpoint());
                }
                for (int rep = 1; rep <= options.repeat(); rep++) {
                    for (String topology : options.topologies()) {
                        try {
                            repetition(backend, topology, rep, etcd);
                        } catch (Exception e) {
                            say(backend + " " + topology + " #" + rep + " failed: " + e);
                            samples.add(new Sample("setup", backend, topology, rep, Map.of(), String.valueOf(e)));
                        }
                    }
                }
            } catch (Exception e) {
                say("backend " + backend + " failed: " + e);
                e.printStackTrace();
                samples.add(new Sample("setup", backend, "", 0, Map.of(), String.valueOf(e)));
            } finally {
                etcdMetrics = null;
                if (harnessEtcd != null) {
                    harnessEtcd.close();
                    harnessEtcd = null;
                }
                if (etcd != null) {
                    etcd.close();
                }
            }
        }
    }

    /** The JVM options of every process started (the service's and the agent's alike). */
    private List<String> jvm(String name) throws IOException {
        List<String> jvm = new ArrayList<>(List.of("-Xmx1g"));
        if (options.jfr()) {
            Files.createDirectories(options.out());
            Path jfr = options.out().resolve(name + ".jfr").toAbsolutePath();
            jvm.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile,dumponexit=true");
            say("JFR → " + jfr);
        }
        return jvm;
    }

    /**
     * Starts the topology's processes, waits for the pool's agents, warms up and (on etcd) measures what one
     * {@code GET /v0/stats} costs in etcd calls, so the harness's polling can be taken out of the figures.
     */
    private Deployment startDeployment(String backend, String topology, int rep, int attempt, EtcdProcess etcd)
            throws Exception {
        String tag = backend + "-" + topology + "-" + rep + (attempt > 1 ? "-" + attempt : "");
        boolean split = topology.equals("split");
        List<String> pool = new ArrayList<>(List.of("--adagio.agent.concurrency=" + options.agents()));
        if (options.slots() > 0) {
            pool.add("--adagio.agent.slots=" + options.slots());
        }
        List<String> api = new ArrayList<>(List.of("--adagio.mode=" + (split ? "api" : "all"), "--adagio.backend=" + backend));
        String completedPrefix = null;
        if (!split) {
            api.addAll(pool);
        }
        if (etcd != null) {
            api.add("--adagio.etcd.endpoints=" + etcd.endpoint());
            String list = "bench-" + tag + "-" + System.nanoTime();
            api.add("--adagio.etcd.list=" + list);
            completedPrefix = "v0/" + list + "/states/completed/run/";
        }
        say(backend + " " + topology + " #" + rep + ": starting the service" + (split ? " (mode api) and an agent process" : "")
                + (attempt > 1 ? " again (a fresh store)" : ""));
        ServiceProcess service = ServiceProcess.startWithJvm(jvm("service-" + tag), api.toArray(String[]::new));
        ServiceProcess agent = null;
        try {
            if (split) {
                List<String> a = new ArrayList<>(List.of("--adagio.mode=agent", "--adagio.agent.transport=http",
                        "--adagio.agent.server-url=http://127.0.0.1:" + service.port()));
                a.addAll(pool);
                agent = ServiceProcess.startWithJvm(jvm("agent-" + tag), a.toArray(String[]::new));
            }
        } catch (Exception | AssertionError e) {
            Deployment.stop(service, options.out().resolve("service-" + tag + ".log"));
            throw e;
        }
        Deployment d = new Deployment(topology, tag, service, agent);
        d.etcdCompletedPrefix = completedPrefix;
        try {
            awaitAgents(d.http());
            warmUp(d);
            if (etcd != null) {
                d.etcdCallsPerStats = etcdCallsPerStats(d.http());
                say(String.format(Locale.ROOT, "one GET /v0/stats costs %.0f etcd calls %s (taken out of the figures)",
                        d.etcdCallsPerStats.values().stream().mapToDouble(Double::doubleValue).sum(), d.etcdCallsPerStats));
            }
            Map<String, Double> perStats = serviceCpuPerStats(d);
            double all = perStats.values().stream().mapToDouble(Double::doubleValue).sum();
            d.serviceCpuUsPerStats = all - perStats.getOrDefault("JIT", 0.0);
            say(String.format(Locale.ROOT, "one GET /v0/stats costs the service %.0f µs of CPU without the JIT's (%.0f with it), "
                    + "by thread group: %s (estimated beside the figures)", d.serviceCpuUsPerStats, all,
                    Report.groups(perStats, "", Integer.MAX_VALUE)));
            return d;
        } catch (Exception | AssertionError e) {
            d.stop(options.out());
            throw e;
        }
    }

    /**
     * One repetition of one topology: fresh processes (a fresh etcd list), raw etcd, then the scenarios in
     * order. A failed scenario may leave work behind that never ends (and keeps agents busy), so the next
     * scenario gets fresh processes and a fresh store.
     */
    private void repetition(String backend, String topology, int rep, EtcdProcess etcd) throws Exception {
        if (etcd != null) {
            compactAndDefragment(etcd);
        }
        int attempt = 1;
        Deployment d = startDeployment(backend, topology, rep, attempt, etcd);
        RawEtcd.Result raw = null;
        RawEtcd.Result raw1 = null;
        RawEtcd.Result step = null;
        RawEtcd.Result step1 = null;
        Map<String, RawHttp.Result> http = null;
        try {
            if (etcd != null) {
                // once per harness JVM: the client warmed up until the JIT is done with it (not measured)
                double warmS = RawEtcd.warmJit(etcd.endpoint(), options.agents(),
                        options.smoke() ? Duration.ofSeconds(2) : Duration.ofSeconds(30), 40);
                if (warmS > 0) {
                    rawTxn.put("client_warm_up_s", List.of(warmS));
                    say(String.format(Locale.ROOT, "etcd: raw client warmed up for %.0f s (until the JIT settled)", warmS));
                }
                raw = rawEtcd(etcd, rep, RawEtcd.Kind.COMPARE_AND_PUT, options.agents(), "txn");
                raw1 = rawEtcd(etcd, rep, RawEtcd.Kind.COMPARE_AND_PUT, 1, "txn1");
                rawEtcd(etcd, rep, RawEtcd.Kind.READ_5, 1, "read5");
                // each step window ends deleting the ~10,000 keys it wrote: what follows starts from an etcd
                // compacted and defragmented again (after such a deletion a raw 1-thread step cost etcd 3 ms of
                // CPU, and the fan-out 2 ms a node, against 0.8 and 1.1 without it)
                step = rawEtcd(etcd, rep, RawEtcd.Kind.STEP, options.agents(), "step");
                compactAndDefragment(etcd);
                step1 = rawEtcd(etcd, rep, RawEtcd.Kind.STEP, 1, "step1");
                compactAndDefragment(etcd);
            }
            if (d.agentHttp() != null) {
                http = rawHttp(d, backend, rep);
                // seconds of nothing but heartbeats retrain the JIT on them (the scenarios then started with
                // deoptimizations and recompiles: 2/3 of the service's CPU in a split chain): the mix once more
                warmUp(d, 2);
            }
            for (String scenario : SCENARIOS) {
                if (!options.only().contains(scenario)) {
                    continue;
                }
                if (d == null) {
                    d = startDeployment(backend, topology, rep, ++attempt, etcd);
                }
                String what = backend + " " + topology + " #" + rep + " " + scenario;
                try {
                    awaitQuiet(d.http());
                    Map<String, Double> f = scenario(scenario, d);
                    if (raw != null && f.containsKey("nodes_per_s")) {
                        f.put("etcd_bound_ratio", f.get("nodes_per_s") / (raw.txnPerSecond() / 2));
                        f.put("raw_ratio", f.get("server_nodes_per_s") / raw.txnPerSecond());
                        f.put("raw1_ratio", f.get("server_nodes_per_s") / raw1.txnPerSecond());
                        // the service's CPU per node in raw transactions' worth of jetcd client CPU
                        f.put("cpu_raw_txns", f.get("cpu_us_per_node") / raw.cpuMicrosPerTxn());
                        f.put("cpu_raw1_txns", f.get("cpu_us_per_node") / raw1.cpuMicrosPerTxn());
                        // beside etcd alone doing the keyspace's least step (RawEtcd.Kind.STEP)
                        f.put("step_ratio", f.get("server_nodes_per_s") / step.txnPerSecond());
                        f.put("step1_ratio", f.get("server_nodes_per_s") / step1.txnPerSecond());
                    }
                    if (http != null && f.containsKey("server_nodes_per_s")) {
                        httpBounds(f, http, scenario.startsWith("chain"));
                    }
                    samples.add(new Sample(scenario, backend, topology, rep, f, null));
                    say(what + ": " + format(f));
                    for (String process : List.of("service", "agent")) {
                        String groups = Report.threadGroups(f, process, Integer.MAX_VALUE);
                        if (!groups.isEmpty()) {
                            say(what + ": " + process + " CPU µs per node by thread group: " + groups);
                        }
                    }
                } catch (Exception | AssertionError e) {
                    say(what + " FAILED: " + e);
                    samples.add(new Sample(scenario, backend, topology, rep, Map.of(), String.valueOf(e)));
                    d.stop(options.out());
                    d = null;
                }
            }
        } finally {
            if (d != null) {
                d.stop(options.out());
            }
        }
    }

    /**
     * Every repetition starts from an etcd of the same size: its history compacted away and its database
     * defragmented. Without it the database only grows through an invocation (no compaction: ~2 KB a revision,
     * ~0.9 GB after 6 scenarios × 2 topologies × 3), and etcd's raw rate with it (2,865 → 1,482 txn/s with 4
     * threads from the first repetition to the last, in one check run), so later repetitions measured a slower
     * etcd than earlier ones. Production etcds compact (the Helm chart's {@code autoCompactionRetention}).
     */
    private void compactAndDefragment(EtcdProcess etcd) throws Exception {
        long revision = harnessEtcd.getKVClient().get(io.etcd.jetcd.ByteSequence.from("bench-compact", java.nio.charset.StandardCharsets.UTF_8))
                .get(10, TimeUnit.SECONDS).getHeader().getRevision();
        long t0 = System.nanoTime();
        harnessEtcd.getKVClient().compact(revision, io.etcd.jetcd.options.CompactOption.builder().withCompactPhysical(true).build())
                .get(120, TimeUnit.SECONDS);
        harnessEtcd.getMaintenanceClient().defragmentMember(etcd.endpoint()).get(300, TimeUnit.SECONDS);
        say(String.format(Locale.ROOT, "etcd: compacted at revision %d and defragmented in %.1f s", revision,
                (System.nanoTime() - t0) / 1e9));
    }

    /**
     * Raw etcd, {@code kind} with {@code threads} threads, recorded as {@code <name>_per_s}, {@code <name>_mean_ms},
     * {@code <name>_client_cpu_us} (the harness JVM's CPU per transaction: what the jetcd client costs) and
     * {@code <name>_jit_cpu_us} (the part of it the JIT's compiler threads used, to tell a cold client from a warm one).
     */
    private RawEtcd.Result rawEtcd(EtcdProcess etcd, int rep, RawEtcd.Kind kind, int threads, String name) throws Exception {
        RawEtcd.Result r = RawEtcd.measure(etcd.endpoint(), kind, threads, sizes.rawWarmUp(), sizes.rawDuration(),
                () -> Prometheus.sum(metrics(etcdMetrics, "/metrics"), "process_cpu_seconds_total", l -> true));
        rawTxn.computeIfAbsent(name + "_per_s", k -> new ArrayList<>()).add(r.txnPerSecond());
        rawTxn.computeIfAbsent(name + "_mean_ms", k -> new ArrayList<>()).add(r.meanMillis());
        rawTxn.computeIfAbsent(name + "_client_cpu_us", k -> new ArrayList<>()).add(r.cpuMicrosPerTxn());
        rawTxn.computeIfAbsent(name + "_jit_cpu_us", k -> new ArrayList<>()).add(r.jitMicrosPerTxn());
        rawTxn.computeIfAbsent(name + "_etcd_cpu_us", k -> new ArrayList<>()).add(r.etcdCpuMicrosPerTxn());
        groupFigures(rawTxn, name + "_client_cpu_us.", r.threadTicks(), r.txns(), rawTxn.get(name + "_per_s").size());
        say(String.format(Locale.ROOT, "etcd #%d: raw %s %.0f txn/s with %d thread%s (%.2f ms each); client CPU %.0f µs "
                        + "per txn (%.2f s in %d txns, the JIT's %.2f s of it); etcd CPU %.0f µs per txn", rep,
                switch (kind) {
                    case READ_5 -> "read of 5 gets";
                    case STEP -> "keyspace step";
                    case COMPARE_AND_PUT -> "compare-and-put";
                }, r.txnPerSecond(), threads,
                threads == 1 ? "" : "s", r.meanMillis(), r.cpuMicrosPerTxn(), r.cpuSeconds(), r.txns(), r.jitSeconds(),
                r.etcdCpuMicrosPerTxn()));
        return r;
    }

    /**
     * Adds a raw window's CPU by thread group to {@code into}, µs per operation, as {@code <prefix><group>}: a
     * group missing from a window used 0 in it, so every group has one value per window ({@code windows} so far).
     */
    private static void groupFigures(Map<String, List<Double>> into, String prefix, Map<String, Long> ticks, long n,
                                     int windows) {
        ticks.forEach((group, t) -> {
            List<Double> values = into.computeIfAbsent(prefix + group, k -> new ArrayList<>());
            while (values.size() < windows - 1) {
                values.add(0.0);
            }
            values.add(n == 0 ? Double.NaN : t * 1e6 / CLK_TCK / n);
        });
        into.forEach((k, values) -> {
            while (k.startsWith(prefix) && values.size() < windows) {
                values.add(0.0);
            }
        });
    }

    /**
     * The raw HTTP round trip of a split repetition ({@link RawHttp}), from this JVM to the api process, in a
     * quiet store after the deployment's warm-up: warmed up until both JITs settle (at most 20 s, unmeasured),
     * then the heartbeat and the liveness probe, each with {@code --agents} threads and with 1, 1 s + 4 s each.
     * Recorded under the backend as {@code <call>[1]_<figure>} ({@code heartbeat_per_s}, {@code heartbeat1_per_s},
     * …; see docs/benchmarks.md), with the service's requests from the idle agent process meanwhile. Answers the
     * results by name.
     */
    private Map<String, RawHttp.Result> rawHttp(Deployment d, String backend, int rep) throws Exception {
        awaitQuiet(d.http());
        try (RawHttp raw = new RawHttp(d.http().base(), d.servicePid(), options.agents())) {
            Map<String, List<Double>> into = rawHttp.computeIfAbsent(backend, k -> new LinkedHashMap<>());
            double served0 = requestsServed(d.http());
            long ours0 = raw.apiRequests();
            long t0 = System.nanoTime();
            double[] warm = raw.warmJit(options.agents(), options.smoke() ? Duration.ofSeconds(1) : Duration.ofSeconds(20), 40);
            into.computeIfAbsent("warm_up_s", k -> new ArrayList<>()).add(warm[0]);
            say(String.format(Locale.ROOT, "%s split #%d: raw HTTP warmed up for %.0f s (the last round's JIT: service %.0f ms, "
                    + "harness %.0f ms)", backend, rep, warm[0], warm[1], warm[2]));
            Map<String, RawHttp.Result> out = new LinkedHashMap<>();
            for (RawHttp.Call call : RawHttp.Call.values()) {
                for (int threads : List.of(options.agents(), 1)) {
                    String name = call.key + (threads == 1 ? "1" : "");
                    RawHttp.Result r = raw.measure(call, threads, sizes.rawWarmUp(), sizes.rawDuration());
                    out.put(name, r);
                    String[] keys = {"_per_s", "_mean_ms", "_service_cpu_us", "_service_jit_cpu_us", "_client_cpu_us",
                            "_client_jit_cpu_us"};
                    double[] values = {r.perSecond(), r.meanMillis(), r.serviceCpuUs(), r.serviceJitUs(), r.clientCpuUs(),
                            r.clientJitUs()};
                    for (int i = 0; i < keys.length; i++) {
                        into.computeIfAbsent(name + keys[i], k -> new ArrayList<>()).add(values[i]);
                    }
                    int windows = into.get(name + "_per_s").size();
                    groupFigures(into, name + "_service_cpu_us.", r.serviceTicks(), r.requests(), windows);
                    groupFigures(into, name + "_client_cpu_us.", r.clientTicks(), r.requests(), windows);
                    say(String.format(Locale.ROOT, "%s split #%d: raw HTTP %s %.0f round trips/s with %d thread%s (%.3f ms each); "
                                    + "per request the service %.0f µs of CPU (the JIT's %.0f), the harness client %.0f µs (the JIT's %.0f)",
                            backend, rep, call == RawHttp.Call.HEARTBEAT ? "heartbeat" : "liveness probe", r.perSecond(), threads,
                            threads == 1 ? "" : "s", r.meanMillis(), r.serviceCpuUs(), r.serviceJitUs(), r.clientCpuUs(),
                            r.clientJitUs()));
                    String g = Report.groups(perOperation(r.serviceTicks(), r.requests()), "", Integer.MAX_VALUE);
                    if (!g.isEmpty()) {
                        say(String.format(Locale.ROOT, "%s split #%d: raw HTTP %s, service CPU µs per request by thread group: %s",
                                backend, rep, name, g));
                    }
                }
            }
            double bg = RawHttp.backgroundPerSecond(served0, requestsServed(d.http()), ours0, raw.apiRequests(),
                    System.nanoTime() - t0);
            into.computeIfAbsent("background_requests_per_s", k -> new ArrayList<>()).add(bg);
            say(String.format(Locale.ROOT, "%s split #%d: meanwhile the service served %.1f other requests/s (the idle agent "
                    + "process's)", backend, rep, bg));
            return out;
        }
    }

    /** Ticks by group as µs per operation (for printing). */
    private static Map<String, Double> perOperation(Map<String, Long> ticks, long n) {
        Map<String, Double> out = new LinkedHashMap<>();
        ticks.forEach((g, t) -> out.put(g, n == 0 ? Double.NaN : t * 1e6 / CLK_TCK / n));
        return out;
    }

    /**
     * A split scenario's figures beside the same repetition's raw HTTP round trip (the heartbeat): nodes/s (server
     * time) ÷ the raw round trips/s with {@code --agents} threads ({@code http_raw_ratio}) and with 1
     * ({@code http_raw1_ratio}; a chain makes at least one round trip per node, one after another, so it cannot
     * exceed 100%); the service's CPU per node in raw requests' worth of service CPU ({@code cpu_http_requests},
     * {@code cpu_http1_requests}), the agent process's in raw requests' worth of client CPU
     * ({@code agent_cpu_http_requests}, {@code agent_cpu_http1_requests}); and what the HTTP requests alone would
     * allow on this machine's cores, each at its raw cost on both sides (the 1-thread one for a chain):
     * {@code http_cpu_bound_nodes_per_s} = cores × 1 s ÷ (HTTP requests/node × (service + client CPU per request)).
     */
    private static void httpBounds(Map<String, Double> f, Map<String, RawHttp.Result> http, boolean oneAtATime) {
        RawHttp.Result hb = http.get("heartbeat");
        RawHttp.Result hb1 = http.get("heartbeat1");
        f.put("http_raw_ratio", f.get("server_nodes_per_s") / hb.perSecond());
        f.put("http_raw1_ratio", f.get("server_nodes_per_s") / hb1.perSecond());
        f.put("cpu_http_requests", f.get("cpu_us_per_node") / hb.serviceCpuUs());
        f.put("cpu_http1_requests", f.get("cpu_us_per_node") / hb1.serviceCpuUs());
        if (f.containsKey("agent_cpu_us_per_node")) {
            f.put("agent_cpu_http_requests", f.get("agent_cpu_us_per_node") / hb.clientCpuUs());
            f.put("agent_cpu_http1_requests", f.get("agent_cpu_us_per_node") / hb1.clientCpuUs());
        }
        RawHttp.Result r = oneAtATime ? hb1 : hb;
        double perNode = f.getOrDefault("http_per_node", 0.0);
        if (perNode > 0) {
            f.put("http_cpu_bound_nodes_per_s", Runtime.getRuntime().availableProcessors() * 1e6
                    / (perNode * (r.serviceCpuUs() + r.clientCpuUs())));
        }
    }

    private Map<String, Double> scenario(String name, Deployment d) throws Exception {
        Sizes z = sizes;
        return switch (name) {
            case "chain" -> rehearsed(d, copies(body(Graphs.chain(z.chain(), "debug")), 1), 1);
            case "fanout" -> rehearsed(d, copies(body(Graphs.fanOut(z.fanOut(), "debug")), 1), 1);
            case "diamond" -> rehearsed(d, copies(body(Graphs.diamond(z.layers(), z.width(), "debug")), 1), 1);
            case "concurrent" -> rehearsed(d, copies(sevenExample(), z.concurrentRuns()), z.concurrentRuns());
            // root + (n-1) leaves: n nodes in all, within the default adagio.limits.max-nodes of 10,000
            case "fanout-10k" -> rehearsed(d, copies(body(Graphs.fanOut(z.bigFanOut() - 1, "debug")), 1), 1);
            case "chain-1000" -> rehearsed(d, copies(body(Graphs.chain(z.longChain(), "debug")), 1), 1);
            case "scale" -> scale(d.http(), d.servicePid());
            // scaleFanRuns runs of root + (n-1) leaves, started by 8 clients at once; not rehearsed (100,000
            // nodes a round; its code is the fan-out's, rehearsed before it)
            case "scale-fanout" -> graphs(d, Graphs.fanOut(z.scaleFanNodes() - 1, "debug"), z.scaleFanRuns(), 8);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The scenario's runs once rehearsed ({@link #rehearse}), then measured ({@link #run}), with the rehearsal's figures. */
    private Map<String, Double> rehearsed(Deployment d, List<String> bodies, int threads) throws Exception {
        double[] rehearsal = rehearse(d, bodies);
        awaitQuiet(d.http());
        Map<String, Double> f = run(d, bodies, threads);
        if (rehearsal[0] > 0) {
            f.put("rehearsal_rounds", rehearsal[0]);
            f.put("rehearsal_s", rehearsal[1]);
            f.put("rehearsal_last_jit_share", rehearsal[2]);
        }
        return f;
    }

    /**
     * The scenario's own runs, unmeasured, in rounds until the JIT is done with them, before they are measured:
     * the common warm-up ({@link #warmUp}) runs a mix of other shapes, and a scenario's first run on a fresh
     * service still spent 40–60% of its CPU in the JIT's compiler threads (its loops at its own size, compiled
     * then; docs/benchmarks.md, session 12), so without this the figures measured the compiler more than the
     * engine. A round submits the runs one after another, again until the round lasted at least 0.5 s (a chain of
     * 1,000 takes ~30 ms, a few clock ticks of CPU); rounds go on until the JIT used less than 10% of each
     * measured process's CPU in one, for at most {@code --rehearsal} seconds (then the round under way ends).
     * Returns the rounds, the seconds, and the last round's JIT share (of the process where it was highest).
     */
    private double[] rehearse(Deployment d, List<String> bodies) throws Exception {
        if (options.rehearsal().isZero()) {
            return new double[] {0, 0, Double.NaN};
        }
        Http http = d.http();
        long t0 = System.nanoTime();
        long cap = options.rehearsal().toNanos();
        int rounds = 0;
        double share;
        do {
            awaitQuiet(http);
            List<Map<Long, ThreadCpu.Task>> threads0 = d.threads();
            long[] cpu0 = d.cpuTicks();
            long r0 = System.nanoTime();
            do {
                long before = completed(http);
                int nodes = 0;
                for (String b : bodies) {
                    nodes += start(http, b).nodes();
                }
                awaitCompleted(http, before + nodes);
            } while (!options.smoke() && System.nanoTime() - r0 < 500_000_000L);
            long[] cpu1 = d.cpuTicks();
            List<Map<Long, ThreadCpu.Task>> threads1 = d.threads();
            rounds++;
            share = 0;
            for (int p = 0; p < (d.agentHttp() == null ? 1 : 2); p++) {
                long used = cpu1[p] - cpu0[p];
                long jit = ThreadCpu.byGroup(threads0.get(p), threads1.get(p)).getOrDefault("JIT", 0L);
                share = Math.max(share, used <= 0 ? 0 : jit / (double) used);
            }
        } while (!options.smoke() && share >= 0.10 && System.nanoTime() - t0 < cap);
        double s = (System.nanoTime() - t0) / 1e9;
        say(String.format(Locale.ROOT, "rehearsed in %d round(s), %.1f s; the last round's JIT %.0f%%", rounds, s, share * 100));
        return new double[] {rounds, s, share};
    }

    // ------------------------------------------------------------------ the service

    private void awaitAgents(Http http) {
        await("the pool's " + options.agents() + " agents register").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    Http.Reply r = http.get("/v0/agents");
                    return r.status() == 200 && r.json().path("agents").size() >= options.agents();
                });
    }

    /** Nodes of one round of the warm-up mix ({@link #warmUp}). */
    static int warmUpRound(boolean smoke) {
        return smoke ? 21 : 1001 + 100 + 3 * 20 + 20 * 7;
    }

    /** Rounds of the warm-up mix a fresh deployment gets: enough for {@code --warmup} nodes; by default 8 (1 in smoke mode). */
    static int warmUpRounds(Options o) {
        int round = warmUpRound(o.smoke());
        return o.warmUp() < 0 ? (o.smoke() ? 1 : 8) : (o.warmUp() + round - 1) / round;
    }

    /**
     * Warms a fresh deployment up, not measured, on both backends, so that what is measured is the engine and
     * not the JIT compiling it: {@link #warmUpRounds} rounds of a mix of 1,301 nodes (a fan-out of 1,000, a
     * chain of 100, a diamond 3×20 and 20 × the 7-node example; a fan-out of 20 in smoke mode), each completed
     * before the next, by default 8 (10,408 nodes: after one round, the ~1,300 nodes of before, the JIT's
     * compiler threads still used 60% of the service's CPU in the etcd chain that came next and 40% in the
     * fan-out; see docs/benchmarks.md). Logs each round's CPU and the JIT's share of it.
     */
    private void warmUp(Deployment d) throws Exception {
        warmUp(d, warmUpRounds(options));
    }

    /** {@link #warmUp(Deployment)} with {@code rounds} rounds of the mix. */
    private void warmUp(Deployment d, int rounds) throws Exception {
        Http http = d.http();
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
        for (int r = 1; r <= rounds; r++) {
            List<Map<Long, ThreadCpu.Task>> threads0 = d.threads();
            long[] cpu0 = d.cpuTicks();
            long before = completed(http);
            int these = 0;
            for (String b : bodies) {
                these += start(http, b).nodes;
            }
            awaitCompleted(http, before + these);
            nodes += these;
            long[] cpu1 = d.cpuTicks();
            List<Map<Long, ThreadCpu.Task>> threads1 = d.threads();
            // the JIT's share of each process's CPU in this round (the agent process's too, in split)
            StringBuilder shares = new StringBuilder();
            for (int p = 0; p < (d.agentHttp() == null ? 1 : 2); p++) {
                long used = cpu1[p] - cpu0[p];
                long jit = ThreadCpu.byGroup(threads0.get(p), threads1.get(p)).getOrDefault("JIT", 0L);
                double s = used <= 0 ? 0 : jit / (double) used;
                shares.append(String.format(Locale.ROOT, "%s%s %.2f s CPU, the JIT %.0f%%", p == 0 ? "" : "; ",
                        p == 0 ? "service" : "agent", used / (double) CLK_TCK, s * 100));
            }
            say(String.format(Locale.ROOT, "warm-up round %d: %d nodes, %s", r, these, shares));
        }
        say(String.format(Locale.ROOT, "warm-up: %d nodes in %.1f s", nodes, (System.nanoTime() - t0) / 1e9));
    }

    /**
     * Unary etcd calls of one {@code GET /v0/stats}, by gRPC method: the mean of 20 calls in a quiet store,
     * rounded (what runs in the background meanwhile, such as lease renewals, is far less than one a call).
     */
    private Map<String, Double> etcdCallsPerStats(Http http) {
        awaitQuiet(http);
        int n = 20;
        Map<String, Double> before = etcdUnaryCalls(metrics(etcdMetrics, "/metrics"));
        for (int i = 0; i < n; i++) {
            stats(http);
        }
        Map<String, Double> per = new TreeMap<>();
        minus(etcdUnaryCalls(metrics(etcdMetrics, "/metrics")), before).forEach((method, calls) -> {
            if (Math.round(calls / n) > 0) {
                per.put(method, (double) Math.round(calls / n));
            }
        });
        return per;
    }

    /**
     * The service process's CPU (utime+stime) per {@code GET /v0/stats}, µs by thread group (with
     * {@link ThreadCpu#EXITED}): the mean of 100 calls (10 in smoke mode) one after another in a quiet store, to
     * estimate what the harness's polling adds to a scenario's service CPU (it is not taken out of it). The
     * JIT's part is compiling, not the calls' own cost, so the estimate leaves it out.
     */
    private Map<String, Double> serviceCpuPerStats(Deployment d) {
        awaitQuiet(d.http());
        int n = options.smoke() ? 10 : 100;
        Map<Long, ThreadCpu.Task> threads0 = d.threads().get(0);
        long cpu0 = d.cpuTicks()[0];
        for (int i = 0; i < n; i++) {
            stats(d.http());
        }
        long cpu = d.cpuTicks()[0] - cpu0;
        Map<Long, ThreadCpu.Task> threads1 = d.threads().get(0);
        Map<String, Double> f = new LinkedHashMap<>();
        threadGroups(f, "", threads0, threads1, cpu, n);
        Map<String, Double> out = new LinkedHashMap<>();
        if (f.isEmpty()) { // no /proc per thread
            out.put(ThreadCpu.EXITED, cpu * 1e6 / CLK_TCK / n);
        }
        f.forEach((k, v) -> out.put(k.substring(THREADS.length() + 1), v));
        return out;
    }

    /** etcd's unary gRPC calls so far, by method (the watch and lease keep-alive streams are not unary). */
    private static Map<String, Double> etcdUnaryCalls(String metrics) {
        return Prometheus.sumBy(metrics, "grpc_server_handled_total", l -> "unary".equals(l.get("grpc_type")), "grpc_method");
    }

    /** a − b, key by key (a key missing on one side counts 0 there). */
    private static Map<String, Double> minus(Map<String, Double> a, Map<String, Double> b) {
        Map<String, Double> out = new TreeMap<>(a);
        b.forEach((k, v) -> out.merge(k, -v, Double::sum));
        return out;
    }

    private static String metrics(Http http, String path) {
        Http.Reply r = http.get(path);
        if (r.status() != 200) {
            throw new IllegalStateException("GET " + http.base() + path + ": " + r.status());
        }
        return r.body();
    }

    /** HTTP requests a process served, apart from its actuator (the harness's metric scrapes). */
    private static double requestsServed(Http http) {
        return Prometheus.sum(metrics(http, "/actuator/prometheus"), "http_server_requests_seconds_count",
                l -> !l.getOrDefault("uri", "").startsWith("/actuator"));
    }

    private Scrape scrape(Deployment d) {
        Map<String, Double> calls = Map.of();
        Map<String, Double> sent = Map.of();
        Map<String, Double> received = Map.of();
        double etcdCpu = 0;
        if (etcdMetrics != null) {
            String m = metrics(etcdMetrics, "/metrics");
            calls = etcdUnaryCalls(m);
            // the streams' messages (Watch, LeaseKeepAlive): what the service's gRPC threads handle besides the calls
            sent = Prometheus.sumBy(m, "grpc_server_msg_sent_total", l -> !"unary".equals(l.get("grpc_type")), "grpc_method");
            received = Prometheus.sumBy(m, "grpc_server_msg_received_total", l -> !"unary".equals(l.get("grpc_type")),
                    "grpc_method");
            etcdCpu = Prometheus.sum(m, "process_cpu_seconds_total", l -> true);
        }
        double agent = d.agentHttp() == null ? 0 : requestsServed(d.agentHttp());
        return new Scrape(calls, sent, received, etcdCpu, requestsServed(d.http()), agent, harnessRequests.get(), statsCalls.get(),
                harnessEtcdTxns.get());
    }

    private Http.Reply get(Http http, String path) {
        harnessRequests.incrementAndGet();
        return http.get(path);
    }

    private JsonNode stats(Http http) {
        statsCalls.incrementAndGet();
        Http.Reply r = get(http, "/v0/stats");
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

    /**
     * Polls {@code /v0/stats} (cheap, unlike a whole run) until {@code target} nodes are completed: every 50 ms
     * at first, then every 1/20 of the time waited so far, at most every 500 ms (on etcd a stats call counts
     * keys, and the long scenarios should not be slowed by the harness).
     */
    private void awaitCompleted(Http http, long target) {
        awaitCount("completed nodes reach " + target, target, () -> {
            JsonNode c = stats(http).path("node_counts");
            return new Count(c.path("completed_count").asLong(), c.toString());
        });
    }

    /** A count of completed nodes, and what to say of it when it stalls. */
    private record Count(long done, String detail) {
    }

    /**
     * Polls {@code count} until it reaches {@code target}: every 50 ms at first, then every 1/20 of the time
     * waited so far, at most every 500 ms; fails when it did not move for the stall time.
     */
    private void awaitCount(String what, long target, java.util.concurrent.Callable<Count> count) {
        long since = System.nanoTime();
        long[] seen = {-1};
        long[] progressAt = {since};
        PollInterval every = (n, previous) -> Duration.ofNanos(
                Math.max(50_000_000L, Math.min(500_000_000L, (System.nanoTime() - since) / 20)));
        await(what).atMost(sizes.timeout()).pollInterval(every).until(() -> {
            Count c = count.call();
            long now = System.nanoTime();
            if (c.done() != seen[0]) {
                seen[0] = c.done();
                progressAt[0] = now;
            } else if (now - progressAt[0] > sizes.stall().toNanos()) {
                throw new IllegalStateException("no node completed for " + sizes.stall().toSeconds()
                        + " s; waiting for " + target + " completed nodes: " + c.detail());
            }
            return c.done() >= target;
        });
    }

    private record Started(String id, int nodes, double millis) {
    }

    /** The most runs a measured scenario on etcd waits for by counting their own keys ({@link #awaitRunsCompleted}). */
    private static final int RUNS_COUNTED = 100;

    /**
     * On etcd, waits for the runs' nodes to complete by counting each run's completed keys in etcd itself (one
     * read-only transaction of count-only ranges per poll, taken out of the figures), on the schedule of
     * {@link #awaitCompleted}: a {@code GET /v0/stats} counts every key of the store (seven prefixes, all runs
     * of the deployment), which costs etcd — and so the scenario on 2 cores — more the longer the run.
     */
    private void awaitRunsCompleted(Deployment d, List<Started> runs, int target) {
        io.etcd.jetcd.op.Op[] counts = runs.stream().map(r -> {
            String prefix = d.etcdCompletedPrefix + r.id() + "/node/";
            io.etcd.jetcd.ByteSequence from = io.etcd.jetcd.ByteSequence.from(prefix, java.nio.charset.StandardCharsets.UTF_8);
            io.etcd.jetcd.ByteSequence to = io.etcd.jetcd.ByteSequence.from(
                    prefix.substring(0, prefix.length() - 1) + (char) ('/' + 1), java.nio.charset.StandardCharsets.UTF_8);
            return (io.etcd.jetcd.op.Op) io.etcd.jetcd.op.Op.get(from,
                    io.etcd.jetcd.options.GetOption.builder().withRange(to).withCountOnly(true).build());
        }).toArray(io.etcd.jetcd.op.Op[]::new);
        awaitCount("completed nodes of " + runs.size() + " run(s) reach " + target, target, () -> {
            harnessEtcdTxns.incrementAndGet();
            long done = harnessEtcd.getKVClient().txn().Then(counts).commit().get(10, TimeUnit.SECONDS)
                    .getGetResponses().stream().mapToLong(io.etcd.jetcd.kv.GetResponse::getCount).sum();
            return new Count(done, done + " of " + runs.size() + " run(s)");
        });
    }

    /**
     * Waits, for at most 3 s, until the JIT's compiler threads of every measured process used no CPU for 100 ms.
     * What the harness itself asked for just before a measured window (the metrics scrape, the rehearsal's last
     * polls) runs code the scenario does not, and the compilations it queues would otherwise run, and be counted, in
     * the window: in a check, a chain of 200 on etcd (0.27 s) spent 900 of its 1,400 µs of service CPU per node in
     * the JIT after a rehearsal whose last round spent 5% there.
     */
    private void awaitJitQuiet(Deployment d) {
        List<List<Map<Long, ThreadCpu.Task>>> last = new ArrayList<>(List.of(d.threads()));
        AtomicInteger quiet = new AtomicInteger();
        try {
            await().atMost(Duration.ofSeconds(3)).pollDelay(Duration.ofMillis(50)).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        List<Map<Long, ThreadCpu.Task>> now = d.threads();
                        long jit = 0;
                        for (int p = 0; p < now.size(); p++) {
                            jit += ThreadCpu.byGroup(last.get(0).get(p), now.get(p)).getOrDefault("JIT", 0L);
                        }
                        last.set(0, now);
                        return jit == 0 ? quiet.incrementAndGet() >= 2 : quiet.getAndSet(0) < 0;
                    });
        } catch (org.awaitility.core.ConditionTimeoutException stillCompiling) {
            say("the JIT was still compiling 3 s after the scrape; measuring anyway");
        }
    }

    private Started start(Http http, String body) {
        harnessRequests.incrementAndGet();
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

    private Map<String, Double> graphs(Deployment d, GraphSpec graph, int runs, int threads) throws Exception {
        return run(d, copies(body(graph), runs), threads);
    }

    private static List<String> copies(String body, int n) {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            bodies.add(body);
        }
        return bodies;
    }

    /**
     * Starts the runs ({@code threads} clients at once), waits until all their nodes completed, then reads
     * each run once: nodes/s over server time (first created_at to last finished_at) and end to end (from
     * the first submit); ready→claimed from the nodes' times; per node the CPU of each process, etcd calls and
     * HTTP requests, from counters read just before the first submit and just after the last node completed.
     */
    private Map<String, Double> run(Deployment d, List<String> bodies, int threads) throws Exception {
        Http http = d.http();
        long before = completed(http);
        List<Started> started = new ArrayList<>();
        Scrape s0 = scrape(d);
        awaitJitQuiet(d);
        // the threads read just outside the process's readings (reading another process's /proc costs it nothing)
        List<Map<Long, ThreadCpu.Task>> threads0 = d.threads();
        long[] cpu0 = d.cpuTicks();
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
        if (d.etcdCompletedPrefix != null && harnessEtcd != null && started.size() <= RUNS_COUNTED) {
            awaitRunsCompleted(d, started, nodes);
        } else {
            awaitCompleted(http, before + nodes);
        }
        long[] cpu1 = d.cpuTicks();
        List<Map<Long, ThreadCpu.Task>> threads1 = d.threads();
        Scrape s1 = scrape(d);

        List<Double> readyToClaim = new ArrayList<>();
        List<Double> claimToFinish = new ArrayList<>();
        Instant last = t0;
        Instant first = null;
        for (Started s : started) {
            Http.Reply r = get(http, "/v0/runs/" + s.id());
            if (r.status() != 200) {
                throw new IllegalStateException("GET run " + s.id() + ": " + r.status());
            }
            JsonNode run = r.json().path("run");
            if (!"COMPLETED".equals(run.path("status").asString()) || !"SUCCEEDED".equals(run.path("outcome").asString())) {
                throw new IllegalStateException("run " + s.id() + " is " + run.path("status").asString() + "/"
                        + run.path("outcome").asString());
            }
            Instant created = Instant.parse(run.path("created_at").asString());
            if (first == null || created.isBefore(first)) {
                first = created;
            }
            Instant lastOfRun = latencies(run, readyToClaim, claimToFinish);
            if (lastOfRun.isAfter(last)) {
                last = lastOfRun;
            }
        }
        double wall = Duration.between(t0, last).toNanos() / 1e9;
        double server = Duration.between(first, last).toNanos() / 1e9;
        double[] lat = readyToClaim.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] st = started.stream().mapToDouble(Started::millis).sorted().toArray();
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("runs", (double) started.size());
        f.put("nodes", (double) nodes);
        f.put("wall_s", wall);
        f.put("nodes_per_s", nodes / wall);
        f.put("server_s", server);
        f.put("server_nodes_per_s", nodes / server);
        f.put("ready_claim_p50_ms", percentile(lat, 50));
        f.put("ready_claim_p99_ms", percentile(lat, 99));
        f.put("ready_claim_max_ms", lat.length == 0 ? Double.NaN : lat[lat.length - 1]);
        double[] cf = claimToFinish.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        f.put("claim_finish_p50_ms", percentile(cf, 50));
        f.put("start_p50_ms", percentile(st, 50));
        f.put("start_max_ms", st[st.length - 1]);
        double cpu = (cpu1[0] - cpu0[0]) / (double) CLK_TCK;
        f.put("cpu_s", cpu);
        f.put("cpu_us_per_node", cpu * 1e6 / nodes);
        if (d.agentHttp() != null) {
            double agentCpu = (cpu1[1] - cpu0[1]) / (double) CLK_TCK;
            f.put("agent_cpu_s", agentCpu);
            f.put("agent_cpu_us_per_node", agentCpu * 1e6 / nodes);
        }
        threadGroups(f, "service", threads0.get(0), threads1.get(0), cpu1[0] - cpu0[0], nodes);
        if (f.containsKey(THREADS + "service." + ThreadCpu.EXITED)) {
            // what a JIT done compiling would leave (it does not settle within the warm-up, see docs/benchmarks.md)
            f.put("cpu_us_per_node_without_jit", f.get("cpu_us_per_node") - f.getOrDefault(THREADS + "service.JIT", 0.0));
        }
        if (d.agentHttp() != null) {
            threadGroups(f, "agent", threads0.get(1), threads1.get(1), cpu1[1] - cpu0[1], nodes);
            if (f.containsKey(THREADS + "agent." + ThreadCpu.EXITED)) {
                f.put("agent_cpu_us_per_node_without_jit",
                        f.get("agent_cpu_us_per_node") - f.getOrDefault(THREADS + "agent.JIT", 0.0));
            }
        }
        long polls = s1.harnessStats() - s0.harnessStats();
        f.put("harness_stats_calls", (double) polls);
        // an estimate: the polls × one GET /v0/stats's service CPU measured after the warm-up (not taken out)
        f.put("harness_stats_cpu_us_per_node", polls * d.serviceCpuUsPerStats / nodes);
        long harness = s1.harnessRequests() - s0.harnessRequests();
        double requests = s1.apiRequests() - s0.apiRequests() + s1.agentRequests() - s0.agentRequests() - harness;
        f.put("harness_http_requests", (double) harness);
        f.put("http_requests", requests);
        f.put("http_per_node", requests / nodes);
        if (etcdMetrics != null) {
            Map<String, Double> harnessCalls = new TreeMap<>();
            d.etcdCallsPerStats.forEach((method, each) -> harnessCalls.put(method, polls * each));
            harnessCalls.merge("Txn", (double) (s1.harnessEtcdTxns() - s0.harnessEtcdTxns()), Double::sum);
            Map<String, Double> calls = minus(minus(s1.etcdCalls(), s0.etcdCalls()), harnessCalls);
            double total = calls.values().stream().mapToDouble(Double::doubleValue).sum();
            f.put("harness_etcd_calls", harnessCalls.values().stream().mapToDouble(Double::doubleValue).sum());
            f.put("etcd_calls", total);
            f.put("etcd_calls_per_node", total / nodes);
            calls.forEach((method, n) -> {
                if (n != 0) {
                    f.put("etcd_" + method + "_per_node", n / nodes);
                }
            });
            minus(s1.etcdStreamSent(), s0.etcdStreamSent()).forEach((method, n) -> {
                if (n != 0) {
                    f.put("etcd_stream_" + method + "_sent_per_node", n / nodes);
                }
            });
            minus(s1.etcdStreamReceived(), s0.etcdStreamReceived()).forEach((method, n) -> {
                if (n != 0) {
                    f.put("etcd_stream_" + method + "_received_per_node", n / nodes);
                }
            });
            f.put("etcd_cpu_s", s1.etcdCpuS() - s0.etcdCpuS());
            f.put("etcd_cpu_us_per_node", (s1.etcdCpuS() - s0.etcdCpuS()) * 1e6 / nodes);
        }
        return f;
    }

    /** The prefix of the figures {@code <prefix><process>.<group>}: a process's CPU µs per node by thread group. */
    static final String THREADS = "thread_cpu_us_per_node.";

    /**
     * Adds {@code thread_cpu_us_per_node.<process>.<group>}: the CPU µs per node of the process's threads of each
     * group ({@link ThreadCpu#group}) between the two readings, and, as {@link ThreadCpu#EXITED}, the process's
     * total ({@code ticks}, from its own stat) minus their sum: threads that ended in the window (and rounding).
     */
    private static void threadGroups(Map<String, Double> f, String process, Map<Long, ThreadCpu.Task> before,
                                     Map<Long, ThreadCpu.Task> after, long ticks, int nodes) {
        if (after.isEmpty()) {
            return; // no /proc
        }
        long sum = 0;
        for (Map.Entry<String, Long> g : ThreadCpu.byGroup(before, after).entrySet()) {
            f.put(THREADS + process + "." + g.getKey(), g.getValue() * 1e6 / CLK_TCK / nodes);
            sum += g.getValue();
        }
        f.put(THREADS + process + "." + ThreadCpu.EXITED, (ticks - sum) * 1e6 / CLK_TCK / nodes);
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
     * the pool), then times the first page of runs and the stats, median of several calls: the first calls of
     * the read path, and the same calls again after {@link #WARM_READS} untimed rounds.
     */
    /** Untimed rounds of the scale scenario's reads before its warm figures are timed. */
    static final int WARM_READS = 50;

    private Map<String, Double> scale(Http http, long pid) throws Exception {
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
        awaitIdle(pid);
        long stored = stats(http).path("run_count").asLong();

        double[] list = new double[sizes.calls()];
        double[] stats = new double[sizes.calls()];
        int pageSize = 0;
        long pageBytes = 0;
        for (int i = 0; i < sizes.calls(); i++) {
            long a = System.nanoTime();
            Http.Reply page = get(http, "/v0/runs?limit=100");
            list[i] = (System.nanoTime() - a) / 1e6;
            if (page.status() != 200) {
                throw new IllegalStateException("GET /v0/runs: " + page.status());
            }
            pageSize = page.json().path("runs").size();
            pageBytes = page.body().length();
            a = System.nanoTime();
            Http.Reply s = get(http, "/v0/stats");
            stats[i] = (System.nanoTime() - a) / 1e6;
            if (s.status() != 200) {
                throw new IllegalStateException("GET /v0/stats: " + s.status());
            }
        }
        Arrays.sort(list);
        Arrays.sort(stats);
        // the same calls again once their code is compiled: WARM_READS untimed, then three times as many timed (the
        // first calls' figures above are the JIT's as much as the service's and swing 2-3x between invocations)
        for (int i = 0; i < WARM_READS; i++) {
            get(http, "/v0/runs?limit=100");
            get(http, "/v0/stats");
        }
        double[] warmList = new double[sizes.calls() * 3];
        double[] warmStats = new double[sizes.calls() * 3];
        for (int i = 0; i < warmList.length; i++) {
            long a = System.nanoTime();
            get(http, "/v0/runs?limit=100");
            warmList[i] = (System.nanoTime() - a) / 1e6;
            a = System.nanoTime();
            get(http, "/v0/stats");
            warmStats[i] = (System.nanoTime() - a) / 1e6;
        }
        Arrays.sort(warmList);
        Arrays.sort(warmStats);
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
        f.put("list_first_page_warm_ms", percentile(warmList, 50));
        f.put("stats_warm_ms", percentile(warmStats, 50));
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

    /**
     * Waits (at most 15 s) until the process has used at most one clock tick of CPU in a quarter of a second: the
     * compilations and collections a storm of requests leaves behind are over, so what is timed next is the
     * calls, not the JIT they would share two cores with.
     */
    static void awaitIdle(long pid) {
        long until = System.nanoTime() + 15_000_000_000L;
        long before = cpuTicks(pid);
        while (System.nanoTime() < until) {
            java.util.concurrent.locks.LockSupport.parkNanos(250_000_000L); // pacing a poll of /proc, not a wait for a result
            long now = cpuTicks(pid);
            if (now - before <= 1) {
                return;
            }
            before = now;
        }
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
        f.forEach((k, v) -> {
            if (!k.startsWith(THREADS)) { // printed apart
                b.append(k).append('=').append(fmt(v)).append(' ');
            }
        });
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
        String when = DateTimeFormatter.ISO_INSTANT.format(Instant.now().atOffset(ZoneOffset.UTC).toInstant()
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        Map<String, Object> machine = machine();
        Report report = new Report(options, sizes, samples, rawTxn, rawHttp);
        String md = report.markdown(when, machine);
        Files.writeString(options.out().resolve("results.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report.json(when, machine)) + "\n");
        Files.writeString(options.out().resolve("results.md"), md);
        say("wrote " + options.out().resolve("results.md") + " and results.json");
        System.out.println(md);
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
