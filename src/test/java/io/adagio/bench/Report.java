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

    Report(Options options, Sizes sizes, List<Sample> samples, Map<String, List<Double>> raw) {
        this.options = options;
        this.sizes = sizes;
        this.samples = samples;
        this.raw = raw;
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
        for (Sample s : samples) {
            if (s.scenario().equals(scenario) && s.backend().equals(backend) && s.topology().equals(topology)
                    && s.error() == null) {
                s.figures().forEach((k, v) -> by.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
            }
        }
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
        config.put("backends", options.backends());
        config.put("topologies", options.topologies());
        config.put("scenarios", new ArrayList<>(options.only()));
        config.put("service_jvm", "-Xmx1g" + (options.jfr() ? " + JFR" : ""));
        root.put("config", config);
        Map<String, Object> rawJson = new LinkedHashMap<>();
        raw.forEach((k, v) -> rawJson.put(k, aggJson(Agg.of(v))));
        root.put("raw_etcd", rawJson);
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
        b.append("- agents (pool concurrency, raw-etcd threads): ").append(options.agents())
                .append("; slots: ").append(options.slots() > 0 ? options.slots() : "the service's default")
                .append("; repetitions: ").append(options.repeat()).append('\n');
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
            }
        }
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
            b.append("\n| scenario | backend | topology | etcd calls/node by gRPC method (without the harness's) |\n");
            b.append("|---|---|---|---|\n");
            forEachNodeRow(b, 1, (a, row) -> row.append(byMethod(a)).append(" |"));
        }
        if (options.only().contains("scale")) {
            b.append("\n| scale | backend | topology | runs stored | GET /v0/runs?limit=100 ms | GET /v0/stats ms | page bytes "
                    + "| runs created/s | runs completed/s |\n");
            b.append("|---|---|---|---:|---:|---:|---:|---:|---:|\n");
            for (String backend : options.backends()) {
                for (String topology : options.topologies()) {
                    Map<String, Agg> a = aggregate("scale", backend, topology);
                    b.append("| ").append(fmt(sizes.scaleRuns())).append(" single-node runs | ").append(backend).append(" | ")
                            .append(topologyName(topology)).append(" | ")
                            .append(cell(a, "runs_stored", false)).append(" | ")
                            .append(cell(a, "list_first_page_ms", true)).append(" | ")
                            .append(cell(a, "stats_ms", true)).append(" | ")
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
            out.add(target(4, label(scenario, backend, topology) + ": ≥ " + String.format(Locale.ROOT, "%,.0f", nodesPerS)
                    + " nodes/s (server time)", fmt(v) + " nodes/s", v >= nodesPerS));
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
                            + options.agents() + " threads)", pctText(r), r >= 0.5));
                }
            }
            Map<String, Agg> chain = ran("chain", "etcd", topology);
            if (chain != null && chain.containsKey("raw1_ratio")) {
                double r = chain.get("raw1_ratio").median();
                out.add(target(4, label("chain", "etcd", topology) + ": nodes/s ≥ 50% of raw single-thread txn/s",
                        pctText(r), r >= 0.5));
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
