package io.adagio.bench;

import static io.adagio.bench.Benchmark.fmt;

import io.adagio.bench.Benchmark.Options;
import io.adagio.bench.Benchmark.Sample;
import io.adagio.bench.Benchmark.Sizes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a benchmark invocation found: every sample aggregated over the repetitions (median, min, max), as
 * {@code results.json} and {@code results.md}, with the issue's targets checked against the medians.
 */
final class Report {
    /** The scenarios that run graphs (all but {@code scale}). */
    static final List<String> NODE_SCENARIOS = Benchmark.SCENARIOS.stream().filter(s -> !s.equals("scale")).toList();
    /** The scenarios point 3's targets were set for. */
    private static final List<String> POINT_3 = List.of("chain", "fanout", "diamond", "concurrent", "fanout-10k");
    private static final List<String> FAN_OUTS = List.of("fanout", "fanout-10k", "scale-fanout");

    private final Options options;
    private final Sizes sizes;
    private final List<Sample> samples;
    private final Map<String, List<Double>> raw;
    /** The raw HTTP round trips of the split repetitions ({@link RawHttp}), by backend. */
    private final Map<String, Map<String, List<Double>>> rawHttp;

    Report(Options options, Sizes sizes, List<Sample> samples, Map<String, List<Double>> raw,
           Map<String, Map<String, List<Double>>> rawHttp) {
        this.options = options;
        this.sizes = sizes;
        this.samples = samples;
        this.raw = raw;
        this.rawHttp = rawHttp;
    }

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

    Map<String, Agg> aggregate(String scenario, String backend, String topology) {
        Map<String, List<Double>> by = new LinkedHashMap<>();
        List<Sample> these = samples.stream().filter(s -> s.scenario().equals(scenario) && s.backend().equals(backend)
                && s.topology().equals(topology) && s.error() == null).toList();
        for (Sample s : these) {
            s.figures().forEach((k, v) -> by.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }
        // a thread group some repetitions did not have (no such thread, or no CPU) used 0 in them
        by.forEach((k, v) -> {
            if (k.startsWith(Benchmark.THREADS)) {
                while (v.size() < these.size()) {
                    v.add(0.0);
                }
            }
        });
        Map<String, Agg> out = new LinkedHashMap<>();
        by.forEach((k, v) -> out.put(k, Agg.of(v)));
        return out;
    }

    private long failures(String scenario, String backend, String topology) {
        return samples.stream().filter(x -> x.scenario().equals(scenario) && x.backend().equals(backend)
                && x.topology().equals(topology) && x.error() != null).count();
    }

    private List<String> setupErrors() {
        return samples.stream().filter(x -> x.scenario().equals("setup"))
                .map(x -> x.backend() + (x.topology().isEmpty() ? "" : " " + x.topology()) + ": " + x.error()).toList();
    }

    static String topologyName(String topology) {
        return topology.equals("split") ? "api + agent" : "all";
    }

    String title(String scenario) {
        Sizes z = sizes;
        return switch (scenario) {
            case "chain" -> "chain of " + z.chain();
            case "fanout" -> "fan-out 1 → " + z.fanOut();
            case "diamond" -> "diamond " + z.layers() + "×" + z.width();
            case "concurrent" -> z.concurrentRuns() + " × the 7-node example";
            case "fanout-10k" -> "fan-out, " + z.bigFanOut() + " nodes";
            case "chain-1000" -> "chain of " + z.longChain();
            case "scale-fanout" -> z.scaleFanRuns() + " runs × fan-out 1 → " + (z.scaleFanNodes() - 1);
            default -> scenario;
        };
    }

    // ------------------------------------------------------------------ results.json

    Map<String, Object> json(String when, Map<String, Object> machine) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("timestamp", when);
        root.put("machine", machine);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("smoke", options.smoke());
        config.put("repeat", options.repeat());
        config.put("agents", options.agents());
        config.put("slots", options.slots() > 0 ? options.slots() : null);
        config.put("warm_up_nodes", Benchmark.warmUpRounds(options) * Benchmark.warmUpRound(options.smoke()));
        config.put("rehearsal_max_s", options.rehearsal().toSeconds());
        config.put("backends", options.backends());
        config.put("topologies", options.topologies());
        config.put("scenarios", new ArrayList<>(options.only()));
        config.put("service_jvm", "-Xmx1g" + (options.jfr() ? " + JFR" : ""));
        root.put("config", config);
        Map<String, Object> rawJson = new LinkedHashMap<>();
        raw.forEach((k, v) -> rawJson.put(k, aggJson(Agg.of(v))));
        root.put("raw_etcd", rawJson);
        Map<String, Object> httpJson = new LinkedHashMap<>();
        rawHttp.forEach((backend, figures) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            figures.forEach((k, v) -> m.put(k, aggJson(Agg.of(v))));
            httpJson.put(backend, m);
        });
        root.put("raw_http", httpJson);
        List<Object> scen = new ArrayList<>();
        for (String scenario : Benchmark.SCENARIOS) {
            if (!options.only().contains(scenario)) {
                continue;
            }
            for (String backend : options.backends()) {
                for (String topology : options.topologies()) {
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("scenario", scenario);
                    s.put("backend", backend);
                    s.put("topology", topology);
                    Map<String, Object> figs = new LinkedHashMap<>();
                    aggregate(scenario, backend, topology).forEach((k, a) -> figs.put(k, aggJson(a)));
                    s.put("figures", figs);
                    s.put("errors", samples.stream().filter(x -> x.scenario().equals(scenario) && x.backend().equals(backend)
                                    && x.topology().equals(topology) && x.error() != null)
                            .map(x -> "#" + x.repetition() + ": " + x.error()).toList());
                    scen.add(s);
                }
            }
        }
        root.put("scenarios", scen);
        root.put("setup_errors", setupErrors());
        root.put("targets", targets());
        return root;
    }

    private static Map<String, Object> aggJson(Agg a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median", finite(a.median()));
        m.put("min", finite(a.min()));
        m.put("max", finite(a.max()));
        m.put("values", a.values().stream().map(Report::finite).toList());
        return m;
    }

    private static Object finite(double d) {
        return Double.isNaN(d) || Double.isInfinite(d) ? null : (Object) (Math.round(d * 1000) / 1000.0);
    }

    // ------------------------------------------------------------------ results.md

    String markdown(String when, Map<String, Object> machine) {
        StringBuilder b = new StringBuilder();
        b.append("# adagio benchmark results\n\n");
        b.append("- when: ").append(when).append(options.smoke() ? " (**smoke mode**: tiny scenarios, not figures to quote)" : "").append('\n');
        machine.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
        b.append("- agents (pool concurrency, raw-etcd and raw-HTTP threads): ").append(options.agents())
                .append("; slots: ").append(options.slots() > 0 ? options.slots() : "the service's default")
                .append("; repetitions: ").append(options.repeat())
                .append("; warm-up: ").append(warmUpText()).append('\n');
        b.append("- topologies: ").append(String.join(", ", options.topologies().stream().map(t -> t.equals("split")
                        ? "api + agent (mode api, and mode agent in its own JVM over HTTP)" : "all (mode all, one JVM)").toList()))
                .append("; every JVM: -Xmx1g").append(options.jfr() ? " with JFR" : "").append('\n');
        b.append("\nEach cell: median over the repetitions, (min–max) when there are several. nodes/s (server time): ")
                .append("nodes ÷ (last finished_at − first created_at); end to end: from just before the first PUT.\n\n");
        boolean etcd = options.backends().contains("etcd");
        b.append("| scenario | backend | topology | nodes | nodes/s (server time) | nodes/s (end to end) | ready→claimed p50 ms "
                + "| p99 ms | claimed→finished p50 ms | start-run ms |")
                .append(etcd ? " ÷ raw etcd txn/s | ÷ raw 1-thread txn/s |" : "").append('\n');
        b.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|").append(etcd ? "---:|---:|" : "").append('\n');
        forEachNodeRow(b, etcd ? 9 : 7, (a, row) -> row
                .append(cell(a, "nodes", false)).append(" | ")
                .append(cell(a, "server_nodes_per_s", true)).append(" | ")
                .append(cell(a, "nodes_per_s", true)).append(" | ")
                .append(cell(a, "ready_claim_p50_ms", true)).append(" | ")
                .append(cell(a, "ready_claim_p99_ms", true)).append(" | ")
                .append(cell(a, "claim_finish_p50_ms", true)).append(" | ")
                .append(cell(a, "start_p50_ms", true)).append(" |")
                .append(etcd ? " " + pct(a.get("raw_ratio")) + " | " + pct(a.get("raw1_ratio")) + " |" : ""));
        if (raw.containsKey("txn_per_s")) {
            Agg r = Agg.of(raw.get("txn_per_s"));
            b.append("\nRaw etcd (same etcd, compare-and-put on its own key, measured before each topology's scenarios): ")
                    .append(options.agents()).append(" threads **").append(r.text()).append(" txn/s** (")
                    .append(Agg.of(raw.get("txn_mean_ms")).text()).append(" ms each)");
            if (raw.containsKey("txn1_per_s")) {
                b.append("; 1 thread **").append(Agg.of(raw.get("txn1_per_s")).text()).append(" txn/s** (")
                        .append(Agg.of(raw.get("txn1_mean_ms")).text()).append(" ms each)");
            }
            b.append(". The ratios divide each repetition's nodes/s (server time) by its own raw figure.\n");
            if (raw.containsKey("txn_etcd_cpu_us")) {
                b.append("\netcd's own CPU µs per raw txn (its `process_cpu_seconds_total` over the window ÷ the "
                        + "transactions): compare-and-put, ").append(options.agents()).append(" threads **")
                        .append(Agg.of(raw.get("txn_etcd_cpu_us")).text()).append(" µs**");
                if (raw.containsKey("txn1_etcd_cpu_us")) {
                    b.append("; 1 thread **").append(Agg.of(raw.get("txn1_etcd_cpu_us")).text()).append(" µs**");
                }
                b.append(".\n");
            }
            if (raw.containsKey("step_per_s")) {
                b.append("\nRaw keyspace step (etcd alone doing the least a node's step writes in the original's keyspace: "
                        + "one node finished and the next claimed in one transaction of 6 compares and 6 writes, the "
                        + "running key on a lease, one watch with previous values over the state keys): ")
                        .append(options.agents()).append(" threads **").append(Agg.of(raw.get("step_per_s")).text())
                        .append(" steps/s** (").append(Agg.of(raw.get("step_mean_ms")).text()).append(" ms each, etcd CPU ")
                        .append(Agg.of(raw.get("step_etcd_cpu_us")).text()).append(" µs, client CPU ")
                        .append(Agg.of(raw.get("step_client_cpu_us")).text()).append(" µs per step)");
                if (raw.containsKey("step1_per_s")) {
                    b.append("; 1 thread **").append(Agg.of(raw.get("step1_per_s")).text()).append(" steps/s** (")
                            .append(Agg.of(raw.get("step1_mean_ms")).text()).append(" ms each, etcd CPU ")
                            .append(Agg.of(raw.get("step1_etcd_cpu_us")).text()).append(" µs per step)");
                }
                b.append(". No deployment's node can cost etcd less than a step; the targets print each scenario's "
                        + "nodes/s beside it.\n");
            }
            if (raw.containsKey("txn_client_cpu_us")) {
                b.append("\nRaw etcd client CPU µs per txn (the harness JVM's utime+stime over the measured window ÷ its "
                        + "transactions: what jetcd alone costs its caller): compare-and-put, ").append(options.agents())
                        .append(" threads **").append(Agg.of(raw.get("txn_client_cpu_us")).text()).append(" µs**");
                if (raw.containsKey("txn1_client_cpu_us")) {
                    b.append("; 1 thread **").append(Agg.of(raw.get("txn1_client_cpu_us")).text()).append(" µs**");
                }
                if (raw.containsKey("read5_client_cpu_us")) {
                    b.append("; a node read (one read-only Txn of 5 gets), 1 thread **")
                            .append(Agg.of(raw.get("read5_client_cpu_us")).text()).append(" µs** (")
                            .append(Agg.of(raw.get("read5_per_s")).text()).append(" txn/s, ")
                            .append(Agg.of(raw.get("read5_mean_ms")).text()).append(" ms each)");
                }
                b.append(". Of which the JIT's compiler threads: ").append(jit()).append(" µs per txn");
                if (raw.containsKey("client_warm_up_s")) {
                    b.append(" (after warming the client up, unmeasured, for ")
                            .append(fmt(raw.get("client_warm_up_s").get(0))).append(" s: until the JIT settled)");
                }
                b.append(".\n");
                List<String> by = new ArrayList<>();
                for (String[] k : new String[][]{{"txn", options.agents() + " threads"}, {"txn1", "1 thread"},
                        {"read5", "the node read"}}) {
                    String g = groups(medians(raw), k[0] + "_client_cpu_us.", TOP_GROUPS);
                    if (!g.isEmpty()) {
                        by.add(k[1] + ": " + g);
                    }
                }
                if (!by.isEmpty()) {
                    b.append("\nRaw etcd client CPU µs per txn by thread group (the harness JVM's threads; `raw-etcd-#` are "
                            + "the loops calling jetcd): ").append(String.join("; ", by)).append(".\n");
                }
            }
        }
        rawHttpText(b);
        b.append("\nPer node: CPU of each process (utime+stime; in mode all the service is API, engine and agents), "
                + "etcd's unary calls and the HTTP requests served, both without the harness's own.\n\n");
        if (etcd) {
            b.append("On etcd, **÷ raw client CPU/txn**: service CPU µs/node ÷ the same repetition's raw etcd client CPU "
                    + "µs per txn (").append(options.agents()).append(" threads; then 1 thread): how many raw "
                    + "transactions' worth of jetcd client CPU a node costs the service.\n\n");
        }
        b.append("| scenario | backend | topology | service CPU s | agent CPU s | service CPU µs/node | agent CPU µs/node |")
                .append(etcd ? " etcd CPU µs/node | etcd calls/node | ÷ raw client CPU/txn | ÷ raw 1-thread client CPU/txn |" : "")
                .append(" HTTP requests/node |\n");
        b.append("|---|---|---|---:|---:|---:|---:|").append(etcd ? "---:|---:|---:|---:|" : "").append("---:|\n");
        forEachNodeRow(b, etcd ? 9 : 5, (a, row) -> row
                .append(cell(a, "cpu_s", true)).append(" | ")
                .append(cell(a, "agent_cpu_s", true)).append(" | ")
                .append(cell(a, "cpu_us_per_node", true)).append(" | ")
                .append(cell(a, "agent_cpu_us_per_node", true)).append(" | ")
                .append(etcd ? cell(a, "etcd_cpu_us_per_node", true) + " | " + cell(a, "etcd_calls_per_node", true) + " | "
                        + cell(a, "cpu_raw_txns", true) + " | " + cell(a, "cpu_raw1_txns", true) + " | " : "")
                .append(cell(a, "http_per_node", true)).append(" |"));
        if (etcd) {
            b.append("\n| scenario | backend | topology | etcd calls/node by gRPC method (without the harness's) "
                    + "| stream messages/node etcd sent (received) |\n");
            b.append("|---|---|---|---|---|\n");
            forEachNodeRow(b, 2, (a, row) -> row.append(byMethod(a)).append(" | ").append(streams(a)).append(" |"));
        }
        threadTable(b);
        if (options.only().contains("scale")) {
            b.append("\n| scale | backend | topology | runs stored | GET /v0/runs?limit=100 ms | GET /v0/stats ms "
                    + "| the page, warm, ms | the stats, warm, ms | page bytes | runs created/s | runs completed/s |\n");
            b.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (String backend : options.backends()) {
                for (String topology : options.topologies()) {
                    Map<String, Agg> a = aggregate("scale", backend, topology);
                    b.append("| ").append(fmt(sizes.scaleRuns())).append(" single-node runs | ").append(backend).append(" | ")
                            .append(topologyName(topology)).append(" | ")
                            .append(cell(a, "runs_stored", false)).append(" | ")
                            .append(cell(a, "list_first_page_ms", true)).append(" | ")
                            .append(cell(a, "stats_ms", true)).append(" | ")
                            .append(cell(a, "list_first_page_warm_ms", true)).append(" | ")
                            .append(cell(a, "stats_warm_ms", true)).append(" | ")
                            .append(cell(a, "list_first_page_bytes", false)).append(" | ")
                            .append(cell(a, "create_runs_per_s", true)).append(" | ")
                            .append(cell(a, "complete_runs_per_s", true)).append(" |\n");
                }
            }
        }
        List<Map<String, Object>> t = targets();
        for (int point : new int[]{4, 3}) {
            List<Map<String, Object>> these = t.stream().filter(x -> x.get("point").equals(point)).toList();
            if (these.isEmpty()) {
                continue;
            }
            b.append(point == 4 ? "\nTargets (issue #10, point 4: both deployments; nodes/s over server time):\n"
                    : "\nTargets of point 3 (mode all, nodes/s end to end; kept to compare with earlier results):\n");
            b.append("\n| target | measured (median) | met |\n|---|---|---|\n");
            for (Map<String, Object> x : these) {
                b.append("| ").append(x.get("target")).append(" | ").append(x.get("measured")).append(" | ")
                        .append(Boolean.TRUE.equals(x.get("met")) ? "yes" : "**no**").append(" |\n");
            }
        }
        List<String> errors = new ArrayList<>(setupErrors());
        samples.stream().filter(s -> s.error() != null && !s.scenario().equals("setup"))
                .forEach(s -> errors.add(s.scenario() + " on " + s.backend() + " " + s.topology() + " #"
                        + s.repetition() + ": " + s.error()));
        if (!errors.isEmpty()) {
            b.append("\nErrors:\n\n");
            errors.forEach(e -> b.append("- ").append(e).append('\n'));
        }
        return b.toString();
    }

    /** The raw HTTP round trips ({@link RawHttp}), and the split rows beside them. */
    private void rawHttpText(StringBuilder b) {
        if (rawHttp.isEmpty()) {
            return;
        }
        int n = options.agents();
        b.append("\nRaw HTTP round trip: from the harness JVM to the api process of each split repetition, before its "
                + "scenarios, with the agents' client (Apache HttpClient classic, kept-alive HTTP/1.1, one client per thread), each thread's "
                + "requests one after another, ").append(fmt(sizes.rawWarmUp().toMillis() / 1000.0)).append(" s warm-up then ")
                .append(fmt(sizes.rawDuration().toMillis() / 1000.0)).append(" s measured. **heartbeat**: `POST "
                        + "/v0/agents/{id}/heartbeat` of an agent registered for it (Tomcat, Spring MVC, the lease renewal — "
                        + "on etcd a keep-alive round trip to etcd — and a JSON answer); **liveness**: `GET "
                        + "/actuator/health/liveness` (Tomcat, Spring MVC's actuator mapping, a JSON answer, no store). CPU "
                        + "per request: each process's utime+stime over the window ÷ the requests completed in it.\n\n");
        b.append("| call | backend | threads | round trips/s | mean ms | service CPU µs/request | of which the JIT "
                + "| harness client CPU µs/request | of which the JIT |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String call : List.of("heartbeat", "liveness")) {
            rawHttp.forEach((backend, r) -> {
                for (String k : List.of(call, call + "1")) {
                    if (!r.containsKey(k + "_per_s")) {
                        continue;
                    }
                    b.append("| ").append(call).append(" | ").append(backend).append(" | ")
                            .append(k.endsWith("1") ? 1 : n).append(" | ")
                            .append(text(r, k + "_per_s")).append(" | ").append(text(r, k + "_mean_ms")).append(" | ")
                            .append(text(r, k + "_service_cpu_us")).append(" | ").append(text(r, k + "_service_jit_cpu_us"))
                            .append(" | ").append(text(r, k + "_client_cpu_us")).append(" | ")
                            .append(text(r, k + "_client_jit_cpu_us")).append(" |\n");
                }
            });
        }
        rawHttp.forEach((backend, r) -> {
            b.append("\n").append(backend).append(": warmed up first (unmeasured) for ").append(text(r, "warm_up_s"))
                    .append(" s; meanwhile the service served ").append(text(r, "background_requests_per_s"))
                    .append(" other requests/s (the idle agent process's heartbeats and long-poll claims).");
            List<String> by = new ArrayList<>();
            for (String[] k : new String[][]{{"heartbeat_service_cpu_us.", "service, " + n + " threads"},
                    {"heartbeat1_service_cpu_us.", "service, 1 thread"}, {"heartbeat_client_cpu_us.", "client, " + n
                    + " threads"}, {"heartbeat1_client_cpu_us.", "client, 1 thread"}}) {
                String g = groups(medians(r), k[0], TOP_GROUPS);
                if (!g.isEmpty()) {
                    by.add(k[1] + ": " + g);
                }
            }
            if (!by.isEmpty()) {
                b.append(" Heartbeat CPU µs per request by thread group (`raw-http-#` are the harness's loops): ")
                        .append(String.join("; ", by)).append('.');
            }
            b.append('\n');
        });
        StringBuilder rows = new StringBuilder();
        for (String scenario : NODE_SCENARIOS) {
            for (String backend : options.backends()) {
                Map<String, Agg> a = options.only().contains(scenario) ? aggregate(scenario, backend, "split") : Map.of();
                if (!a.containsKey("http_raw_ratio")) {
                    continue;
                }
                rows.append("| ").append(title(scenario)).append(" | ").append(backend).append(" | ")
                        .append(cell(a, "server_nodes_per_s", true)).append(" | ")
                        .append(pct(a.get("http_raw_ratio"))).append(" | ").append(pct(a.get("http_raw1_ratio"))).append(" | ")
                        .append(cell(a, "http_per_node", true)).append(" | ")
                        .append(cell(a, "cpu_http_requests", true)).append("; ").append(cell(a, "cpu_http1_requests", true))
                        .append(" | ").append(cell(a, "agent_cpu_http_requests", true)).append("; ")
                        .append(cell(a, "agent_cpu_http1_requests", true)).append(" | ")
                        .append(cell(a, "http_cpu_bound_nodes_per_s", true)).append(" |\n");
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        b.append("\nThe api + agent rows beside the same repetition's raw heartbeat: **÷ raw round trips/s**, nodes/s "
                        + "(server time) ÷ its rate with ").append(n).append(" threads, then with 1 (a chain makes at least one "
                        + "round trip per node, one after another: it cannot pass 100% of the 1-thread rate); **service CPU ÷ "
                        + "raw request's**, the service's CPU µs/node ÷ a raw heartbeat's service CPU (").append(n)
                .append(" threads; 1 thread); **agent CPU ÷ raw client's**, the agent process's CPU µs/node ÷ the harness "
                        + "client's per raw heartbeat; **HTTP CPU bound**, what the HTTP requests alone would allow on ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores at their raw cost on both sides: cores × "
                        + "1 s ÷ (HTTP requests/node × (service + client CPU per raw heartbeat)), the 1-thread costs for the "
                        + "chains.\n\n");
        b.append("| scenario | backend | nodes/s (server time) | ÷ raw ").append(n).append("-thread round trips/s "
                + "| ÷ raw 1-thread round trips/s | HTTP requests/node | service CPU ÷ raw request's (").append(n)
                .append("; 1 thread) | agent CPU ÷ raw client's (").append(n).append("; 1 thread) | HTTP CPU bound, nodes/s |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        b.append(rows);
    }

    /** The median (min–max) of a raw figure, or "–". */
    private static String text(Map<String, List<Double>> r, String key) {
        List<Double> v = r.get(key);
        return v == null ? "–" : Agg.of(v).text();
    }

    /**
     * Beside a split target, what bounds it: the share of the raw HTTP round trips/s it reached (1 thread for a
     * chain, {@code --agents} threads for the rest), the service's CPU per node in raw heartbeats' worth, and for
     * the rest the agent process's and the HTTP CPU bound; empty without raw HTTP figures.
     */
    private String httpBound(String scenario, String backend) {
        Map<String, Agg> a = ran(scenario, backend, "split");
        Map<String, List<Double>> r = rawHttp.get(backend);
        if (a == null || r == null || !a.containsKey("http_raw_ratio")) {
            return "";
        }
        if (scenario.startsWith("chain")) {
            return " (" + pctText(a.get("http_raw1_ratio").median()) + " of the raw 1-thread HTTP round trips/s, "
                    + fmt(Agg.of(r.get("heartbeat1_per_s")).median()) + "/s; service CPU per node "
                    + fmt(a.get("cpu_http1_requests").median()) + "× a raw heartbeat's)";
        }
        String agent = a.containsKey("agent_cpu_http_requests")
                ? ", agent CPU per node " + fmt(a.get("agent_cpu_http_requests").median()) + "× the client's" : "";
        String bound = a.containsKey("http_cpu_bound_nodes_per_s") ? "; the HTTP requests alone ("
                + fmt(a.get("http_per_node").median()) + " per node) at their raw CPU allow "
                + fmt(a.get("http_cpu_bound_nodes_per_s").median()) + " nodes/s on "
                + Runtime.getRuntime().availableProcessors() + " cores" : "";
        return " (" + pctText(a.get("http_raw_ratio").median()) + " of the raw " + options.agents()
                + "-thread HTTP round trips/s, " + fmt(Agg.of(r.get("heartbeat_per_s")).median()) + "/s; service CPU per node "
                + fmt(a.get("cpu_http_requests").median()) + "× a raw heartbeat's" + agent + bound + ")";
    }

    private interface Row {
        void append(Map<String, Agg> figures, StringBuilder row);
    }

    /**
     * One row per node scenario, backend and topology that ran: its title cells, then {@code row}'s
     * ({@code cells} of them, or "failed" and dashes).
     */
    private void forEachNodeRow(StringBuilder b, int cells, Row row) {
        for (String scenario : NODE_SCENARIOS) {
            if (!options.only().contains(scenario)) {
                continue;
            }
            for (String backend : options.backends()) {
                for (String topology : options.topologies()) {
                    Map<String, Agg> a = aggregate(scenario, backend, topology);
                    long failed = failures(scenario, backend, topology);
                    if (a.isEmpty() && failed == 0) {
                        continue;
                    }
                    b.append("| ").append(title(scenario)).append(" | ").append(backend).append(" | ")
                            .append(topologyName(topology)).append(" | ");
                    if (a.isEmpty()) {
                        b.append("**failed** (").append(failed).append(" of ").append(options.repeat())
                                .append(", see errors) |").append(" – |".repeat(cells - 1)).append('\n');
                    } else {
                        row.append(a, b);
                        b.append('\n');
                    }
                }
            }
        }
    }

    /** The warm-up: the nodes each fresh deployment got, and whether {@code --warmup} chose them. */
    private String warmUpText() {
        int nodes = Benchmark.warmUpRounds(options) * Benchmark.warmUpRound(options.smoke());
        return fmt(nodes) + " nodes per fresh deployment (" + Benchmark.warmUpRounds(options) + " rounds of "
                + fmt(Benchmark.warmUpRound(options.smoke())) + (options.warmUp() < 0 ? "; the default)" : "; --warmup "
                + options.warmUp() + ")") + "; then each node scenario but scale-fanout rehearsed "
                + (options.rehearsal().isZero() ? "not at all (--rehearsal 0)"
                : "until the JIT used < 10% of a round, at most " + options.rehearsal().toSeconds() + " s");
    }

    /** How many thread groups a line of results.md shows (results.json keeps all). */
    static final int TOP_GROUPS = 8;

    /**
     * Each process's CPU µs per node by thread group, one row per node scenario, backend, topology and process
     * (the service; in split the agent process too).
     */
    private void threadTable(StringBuilder b) {
        StringBuilder rows = new StringBuilder();
        for (String scenario : NODE_SCENARIOS) {
            if (!options.only().contains(scenario)) {
                continue;
            }
            for (String backend : options.backends()) {
                for (String topology : options.topologies()) {
                    Map<String, Agg> a = aggregate(scenario, backend, topology);
                    Map<String, Double> m = new LinkedHashMap<>();
                    a.forEach((k, v) -> m.put(k, v.median()));
                    for (String process : List.of("service", "agent")) {
                        String g = threadGroups(m, process, TOP_GROUPS);
                        if (g.isEmpty()) {
                            continue;
                        }
                        rows.append("| ").append(title(scenario)).append(" | ").append(backend).append(" | ")
                                .append(topologyName(topology)).append(" | ").append(process).append(" | ")
                                .append(cell(a, process.equals("agent") ? "agent_cpu_us_per_node" : "cpu_us_per_node", true))
                                .append(" | ").append(cell(a, process.equals("agent") ? "agent_cpu_us_per_node_without_jit"
                                        : "cpu_us_per_node_without_jit", true))
                                .append(" | ").append(process.equals("agent") ? "–" : cell(a, "harness_stats_cpu_us_per_node", true))
                                .append(" | ").append(g).append(" |\n");
                    }
                }
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        b.append("\nCPU µs per node by thread group (medians): each live thread's utime+stime (`/proc/<pid>/task/*/stat`) "
                + "over the same window, grouped by thread name, largest first (the top ").append(TOP_GROUPS)
                .append("; every group in results.json, `").append(Benchmark.THREADS).append("<process>.<group>`); \"")
                .append(ThreadCpu.EXITED).append("\" is the process's CPU minus its live threads' (threads that ended "
                        + "in the window). **without the JIT**: the CPU µs/node less the JIT's compiler threads' (what a service done "
                        + "compiling would use). **of which the harness's polls**: its `GET /v0/stats` calls in the window × "
                        + "the service CPU of one (measured after the warm-up): an estimate of what the harness adds (it "
                        + "is not taken out: mostly Tomcat, gRPC and jetcd threads).\n\n");
        b.append("| scenario | backend | topology | process | CPU µs/node | without the JIT | of which the harness's polls (est.) "
                + "| by thread group, µs per node |\n");
        b.append("|---|---|---|---|---:|---:|---:|---|\n");
        b.append(rows);
    }

    /** A process's groups of {@code figures} (full keys, one value each): "JIT 1,900, gRPC I/O 800, …". */
    static String threadGroups(Map<String, Double> figures, String process, int top) {
        return groups(figures, Benchmark.THREADS + process + ".", top);
    }

    /**
     * The entries of {@code values} whose key starts with {@code prefix}, by the rest of the key, largest first:
     * the {@code top} largest, then the others summed ("3 more 12"), then {@link ThreadCpu#EXITED}; empty when
     * there is none. Groups that would print as 0 are left out.
     */
    static String groups(Map<String, Double> values, String prefix, int top) {
        List<Map.Entry<String, Double>> all = values.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix) && !Double.isNaN(e.getValue()))
                .map(e -> Map.entry(e.getKey().substring(prefix.length()), e.getValue()))
                // what would print as 0 is left out (it is in results.json)
                .filter(e -> e.getKey().equals(ThreadCpu.EXITED) || Math.abs(e.getValue()) >= 0.005).toList();
        if (all.isEmpty()) {
            return "";
        }
        List<Map.Entry<String, Double>> sorted = all.stream().filter(e -> !e.getKey().equals(ThreadCpu.EXITED))
                .sorted((x, y) -> Double.compare(y.getValue(), x.getValue())).toList();
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < Math.min(top, sorted.size()); i++) {
            parts.add(sorted.get(i).getKey() + " " + us(sorted.get(i).getValue()));
        }
        if (sorted.size() > top) {
            double rest = sorted.subList(top, sorted.size()).stream().mapToDouble(Map.Entry::getValue).sum();
            parts.add((sorted.size() - top) + " more " + us(rest));
        }
        all.stream().filter(e -> e.getKey().equals(ThreadCpu.EXITED)).findFirst()
                .ifPresent(e -> parts.add(e.getKey() + " " + us(e.getValue())));
        return String.join(", ", parts);
    }

    /** µs: with thousands separators from 100 on. */
    private static String us(double v) {
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : fmt(v);
    }

    private static Map<String, Double> medians(Map<String, List<Double>> values) {
        Map<String, Double> m = new LinkedHashMap<>();
        values.forEach((k, v) -> m.put(k, Agg.of(v).median()));
        return m;
    }

    /** The JIT's compiler threads' CPU per txn in each raw window, µs: "N threads a, 1 thread b, read c". */
    private String jit() {
        List<String> parts = new ArrayList<>();
        for (String[] k : new String[][]{{"txn_jit_cpu_us", options.agents() + " threads"}, {"txn1_jit_cpu_us", "1 thread"},
                {"read5_jit_cpu_us", "read"}}) {
            if (raw.containsKey(k[0])) {
                parts.add(k[1] + " " + Agg.of(raw.get(k[0])).text());
            }
        }
        return parts.isEmpty() ? "unknown" : String.join(", ", parts);
    }

    /** The medians of the {@code etcd_<Method>_per_node} figures, largest first: "Range 4.1, Txn 2.0". */
    private static String byMethod(Map<String, Agg> a) {
        List<String> parts = a.entrySet().stream()
                .filter(e -> e.getKey().matches("etcd_[A-Z][A-Za-z]*_per_node") && Math.abs(e.getValue().median()) >= 0.005)
                .sorted((x, y) -> Double.compare(y.getValue().median(), x.getValue().median()))
                .map(e -> e.getKey().substring(5, e.getKey().length() - 9) + " " + fmt(e.getValue().median()))
                .toList();
        return parts.isEmpty() ? "–" : String.join(", ", parts);
    }

    /**
     * The medians of the {@code etcd_stream_<Method>_sent_per_node} figures (messages etcd sent on its Watch and
     * LeaseKeepAlive streams), with the received ones in parentheses: "Watch 3.1 (0.02), LeaseKeepAlive 0.1 (0.1)".
     */
    private static String streams(Map<String, Agg> a) {
        List<String> parts = new ArrayList<>();
        a.entrySet().stream().filter(e -> e.getKey().matches("etcd_stream_[A-Za-z]+_sent_per_node"))
                .sorted((x, y) -> Double.compare(y.getValue().median(), x.getValue().median()))
                .forEach(e -> {
                    String method = e.getKey().substring("etcd_stream_".length(), e.getKey().length() - "_sent_per_node".length());
                    Agg in = a.get("etcd_stream_" + method + "_received_per_node");
                    parts.add(method + " " + fmt(e.getValue().median()) + " (" + (in == null ? "0" : fmt(in.median())) + ")");
                });
        return parts.isEmpty() ? "–" : String.join(", ", parts);
    }

    private static String cell(Map<String, Agg> a, String key, boolean range) {
        Agg x = a.get(key);
        if (x == null) {
            return "–";
        }
        return range ? x.text() : fmt(x.median());
    }

    private static String pct(Agg a) {
        if (a == null || Double.isNaN(a.median())) {
            return "–";
        }
        String m = pctText(a.median());
        return a.values().size() > 1 ? m + String.format(Locale.ROOT, " (%.0f–%.0f%%)", a.min() * 100, a.max() * 100) : m;
    }

    /** What bounds an etcd scenario: its share of the raw keyspace steps/s ({@code figure}), when measured. */
    private String ofStep(Map<String, Agg> a, String figure) {
        Agg step = a.get(figure);
        if (step == null || Double.isNaN(step.median())) {
            return "";
        }
        return " (" + pctText(step.median()) + " of the raw keyspace steps/s, "
                + (figure.startsWith("step1") ? "1 thread" : options.agents() + " threads") + ")";
    }

    private static String pctText(double r) {
        return String.format(Locale.ROOT, "%.0f%%", r * 100);
    }

    // ------------------------------------------------------------------ targets

    /** The issue's targets, checked against the medians (smoke results are checked too, but mean nothing). */
    List<Map<String, Object>> targets() {
        List<Map<String, Object>> out = new ArrayList<>();
        point4(out);
        point3(out);
        return out;
    }

    /** The figures of a scenario that was selected and completed at least once, or null. */
    private Map<String, Agg> ran(String scenario, String backend, String topology) {
        if (!options.only().contains(scenario) || !options.backends().contains(backend)
                || !options.topologies().contains(topology)) {
            return null;
        }
        Map<String, Agg> a = aggregate(scenario, backend, topology);
        return a.isEmpty() ? null : a;
    }

    private String label(String scenario, String backend, String topology) {
        return title(scenario) + ", " + backend + ", " + (topology.equals("split") ? "api + agent process" : "mode all");
    }

    private void atLeast(List<Map<String, Object>> out, String scenario, String backend, String topology, double nodesPerS) {
        Map<String, Agg> a = ran(scenario, backend, topology);
        if (a != null) {
            double v = a.get("server_nodes_per_s").median();
            String bound = topology.equals("split") ? httpBound(scenario, backend) : "";
            out.add(target(4, label(scenario, backend, topology) + ": ≥ " + String.format(Locale.ROOT, "%,.0f", nodesPerS)
                    + " nodes/s (server time)", fmt(v) + " nodes/s" + bound, v >= nodesPerS));
        }
    }

    private void point4(List<Map<String, Object>> out) {
        for (String scenario : NODE_SCENARIOS) {
            for (String backend : options.backends()) {
                for (String topology : options.topologies()) {
                    if (options.only().contains(scenario) && ran(scenario, backend, topology) == null
                            && failures(scenario, backend, topology) > 0) {
                        out.add(target(4, label(scenario, backend, topology) + ": completes at all", "failed", false));
                    }
                }
            }
        }
        atLeast(out, "chain-1000", "memory", "all", 30_000);
        atLeast(out, "fanout-10k", "memory", "all", 50_000);
        Map<String, Agg> big = ran("fanout-10k", "memory", "all");
        if (big != null) {
            double us = big.get("cpu_us_per_node").median();
            out.add(target(4, label("fanout-10k", "memory", "all") + ": process CPU ≤ 50 µs per node",
                    fmt(us) + " µs", us <= 50));
        }
        atLeast(out, "fanout", "memory", "split", 5_000);
        atLeast(out, "chain", "memory", "split", 1_500);
        for (String topology : Deployment.TOPOLOGIES) {
            for (String scenario : FAN_OUTS) {
                Map<String, Agg> a = ran(scenario, "etcd", topology);
                if (a != null && a.containsKey("raw_ratio")) {
                    double r = a.get("raw_ratio").median();
                    out.add(target(4, label(scenario, "etcd", topology) + ": nodes/s ≥ 50% of raw etcd txn/s ("
                            + options.agents() + " threads)", pctText(r) + ofStep(a, "step_ratio"), r >= 0.5));
                }
            }
            Map<String, Agg> chain = ran("chain", "etcd", topology);
            if (chain != null && chain.containsKey("raw1_ratio")) {
                double r = chain.get("raw1_ratio").median();
                out.add(target(4, label("chain", "etcd", topology) + ": nodes/s ≥ 50% of raw single-thread txn/s",
                        pctText(r) + ofStep(chain, "step1_ratio"), r >= 0.5));
            }
            for (String scenario : NODE_SCENARIOS) {
                Map<String, Agg> a = ran(scenario, "etcd", topology);
                if (a != null && a.containsKey("etcd_calls_per_node")) {
                    double calls = a.get("etcd_calls_per_node").median();
                    double ms = a.get("cpu_us_per_node").median() / 1000;
                    // beside the CPU, what bounds it: the raw jetcd client's CPU per transaction (a chain, one node
                    // at a time, against the 1-thread figure), in raw txns
                    boolean oneAtATime = scenario.startsWith("chain");
                    Agg inRaw = a.get(oneAtATime ? "cpu_raw1_txns" : "cpu_raw_txns");
                    String bound = inRaw != null && !Double.isNaN(inRaw.median()) ? " (" + fmt(inRaw.median()) + "× the raw "
                            + (oneAtATime ? "1-thread" : options.agents() + "-thread") + " client CPU per txn)" : "";
                    out.add(target(4, label(scenario, "etcd", topology) + ": per node ≤ 2.5 etcd calls, service CPU ≤ 1 ms",
                            fmt(calls) + " calls, " + fmt(ms) + " ms" + bound, calls <= 2.5 && ms <= 1));
                }
            }
        }
        Map<String, Agg> many = ran("scale-fanout", "memory", "all");
        Map<String, Agg> one = ran("fanout", "memory", "all");
        if (many != null) {
            String what = label("scale-fanout", "memory", "all") + ": completes; nodes/s within 30% of one "
                    + title("fanout");
            double v = many.get("server_nodes_per_s").median();
            if (one == null) {
                out.add(target(4, what, "completed, " + fmt(v) + " nodes/s (no fan-out to compare with)", false));
            } else {
                double r = v / one.get("server_nodes_per_s").median();
                out.add(target(4, what, fmt(v) + " nodes/s, " + pctText(r) + " of it", r >= 0.7));
            }
        }
    }

    /** Point 3's targets as they were: mode all, nodes/s end to end. */
    private void point3(List<Map<String, Object>> out) {
        for (String backend : options.backends()) {
            for (String scenario : POINT_3) {
                Map<String, Agg> a = ran(scenario, backend, "all");
                if (a == null) {
                    continue;
                }
                String t = title(scenario);
                if (backend.equals("etcd") && a.containsKey("etcd_bound_ratio")) {
                    double r = a.get("etcd_bound_ratio").median();
                    out.add(target(3, t + " on etcd: nodes/s ≥ 50% of the raw-etcd bound", pctText(r), r >= 0.5));
                }
                if (backend.equals("memory")) {
                    double v = a.get("nodes_per_s").median();
                    out.add(target(3, t + " on memory: ≥ 2,000 nodes/s", fmt(v) + " nodes/s", v >= 2000));
                }
                double limit = backend.equals("memory") ? 10 : 25;
                double p50 = a.get("ready_claim_p50_ms").median();
                out.add(target(3, t + " on " + backend + ": ready→claimed p50 < " + fmt(limit) + " ms",
                        fmt(p50) + " ms", p50 < limit));
            }
            Map<String, Agg> small = ran("fanout", backend, "all");
            Map<String, Agg> big = ran("fanout-10k", backend, "all");
            if (small != null && big != null) {
                double r = big.get("nodes_per_s").median() / small.get("nodes_per_s").median();
                out.add(target(3, "fan-out " + fmt(sizes.bigFanOut()) + " within 30% of fan-out " + fmt(sizes.fanOut())
                        + " in nodes/s on " + backend, pctText(r) + " of it", r >= 0.7));
            }
            Map<String, Agg> scale = ran("scale", backend, "all");
            if (scale != null && scale.containsKey("list_first_page_ms")) {
                double v = scale.get("list_first_page_ms").median();
                out.add(target(3, "first page of runs < 100 ms with " + fmt(scale.get("runs_stored").median())
                        + " runs stored on " + backend, fmt(v) + " ms", v < 100));
            }
        }
    }

    private static Map<String, Object> target(int point, String what, String measured, boolean met) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", what);
        m.put("measured", measured);
        m.put("met", met);
        m.put("point", point);
        return m;
    }
}
