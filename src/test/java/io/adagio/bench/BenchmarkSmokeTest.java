package io.adagio.bench;

import io.adagio.support.Http;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark harness in smoke mode (tiny scenarios, memory backend, one repetition, both topologies: mode
 * all, and mode api plus a mode agent process), so it cannot rot: every scenario runs in both and both
 * results files come out with sane figures.
 */
class BenchmarkSmokeTest {
    @Test
    void smokeRunWritesEveryScenarioInBothTopologies(@TempDir Path out) throws Exception {
        int failed = Benchmark.run("--smoke", "--backend", "memory", "--repeat", "1", "--agents", "2",
                "--out", out.toString());

        Path json = out.resolve("results.json");
        Path md = out.resolve("results.md");
        assertThat(json).exists();
        assertThat(md).exists();
        assertThat(failed).as(Files.readString(md)).isZero();

        JsonNode root = Http.tree(Files.readString(json));
        assertThat(root.path("timestamp").asString()).isNotBlank();
        assertThat(root.path("machine").path("cores").asInt()).isPositive();
        assertThat(root.path("machine").path("java").asString()).isNotBlank();
        assertThat(root.path("config").path("topologies").toString()).isEqualTo("[\"all\",\"split\"]");
        List<String> seen = new ArrayList<>();
        for (JsonNode s : root.path("scenarios")) {
            String name = s.path("scenario").asString();
            String topology = s.path("topology").asString();
            String as = name + " " + topology;
            seen.add(as);
            assertThat(s.path("backend").asString()).isEqualTo("memory");
            assertThat(s.path("errors").size()).as(as).isZero();
            JsonNode f = s.path("figures");
            if (name.equals("scale")) {
                assertThat(f.path("runs_stored").path("median").asDouble()).as(as).isGreaterThanOrEqualTo(30);
                assertThat(f.path("list_first_page_ms").path("median").asDouble()).as(as).isPositive();
                assertThat(f.path("stats_ms").path("median").asDouble()).as(as).isPositive();
                assertThat(f.path("list_first_page_warm_ms").path("median").asDouble()).as(as).isPositive();
                assertThat(f.path("stats_warm_ms").path("median").asDouble()).as(as).isPositive();
                continue;
            }
            assertThat(f.path("nodes").path("median").asDouble()).as(as).isPositive();
            // smoke mode rehearses each node scenario once, but for scale-fanout
            assertThat(f.path("rehearsal_rounds").path("median").asDouble()).as(as)
                    .isEqualTo(name.equals("scale-fanout") ? 0 : 1);
            assertThat(f.path("nodes_per_s").path("median").asDouble()).as(as).isPositive();
            assertThat(f.path("server_nodes_per_s").path("median").asDouble()).as(as)
                    .isGreaterThanOrEqualTo(f.path("nodes_per_s").path("median").asDouble());
            assertThat(f.path("ready_claim_p50_ms").path("median").asDouble()).as(as).isPositive();
            assertThat(f.path("ready_claim_p99_ms").path("median").asDouble()).as(as)
                    .isGreaterThanOrEqualTo(f.path("ready_claim_p50_ms").path("median").asDouble());
            assertThat(f.path("start_p50_ms").path("median").asDouble()).as(as).isPositive();
            assertThat(f.path("cpu_s").path("median").asDouble()).as(as).isPositive();
            assertThat(f.path("cpu_us_per_node").path("median").asDouble()).as(as).isPositive();
            assertThat(f.has("http_per_node")).as(as).isTrue();
            assertThat(f.has("etcd_calls_per_node")).as(as + ": no etcd on memory").isFalse();
            // the CPU by thread group adds up to the process's (the rest is "exited threads / other"; one repetition)
            assertThat(groupSum(f, "service")).as(as).isCloseTo(f.path("cpu_us_per_node").path("median").asDouble(),
                    org.assertj.core.data.Offset.offset(0.05));
            assertThat(f.has(Benchmark.THREADS + "service.agents") || topology.equals("split")).as(as).isTrue();
            assertThat(f.has("harness_stats_cpu_us_per_node")).as(as).isTrue();
            if (topology.equals("split")) {
                assertThat(groupSum(f, "agent")).as(as).isCloseTo(f.path("agent_cpu_us_per_node").path("median").asDouble(),
                        org.assertj.core.data.Offset.offset(0.05));
                // the pool claims and finishes over HTTP: at least one request per node, none of them the harness's
                assertThat(f.path("http_per_node").path("median").asDouble()).as(as).isGreaterThanOrEqualTo(1);
                assertThat(f.path("agent_cpu_s").path("median").asDouble()).as(as).isGreaterThanOrEqualTo(0);
            } else {
                assertThat(f.has("agent_cpu_s")).as(as).isFalse();
            }
        }
        // the raw HTTP round trip of the split repetition, against which the split targets are argued
        JsonNode http = root.path("raw_http").path("memory");
        for (String k : List.of("heartbeat", "heartbeat1", "liveness", "liveness1")) {
            assertThat(http.path(k + "_per_s").path("median").asDouble()).as(k).isPositive();
            assertThat(http.path(k + "_service_cpu_us").path("median").asDouble()).as(k).isPositive();
            assertThat(http.path(k + "_client_cpu_us").path("median").asDouble()).as(k).isPositive();
        }
        for (JsonNode s : root.path("scenarios")) {
            boolean nodes = !s.path("scenario").asString().equals("scale");
            assertThat(s.path("figures").has("http_raw1_ratio")).as(s.path("scenario").asString() + " "
                    + s.path("topology").asString()).isEqualTo(nodes && s.path("topology").asString().equals("split"));
        }
        List<String> expected = new ArrayList<>();
        for (String scenario : Benchmark.SCENARIOS) {
            expected.add(scenario + " all");
            expected.add(scenario + " split");
        }
        assertThat(seen).containsExactlyElementsOf(expected);

        List<String> targets = new ArrayList<>();
        root.path("targets").forEach(t -> targets.add(t.path("target").asString()));
        assertThat(targets).anyMatch(t -> t.startsWith("chain of 50, memory, mode all: ≥ 30,000 nodes/s"))
                .anyMatch(t -> t.startsWith("fan-out 1 → 50, memory, api + agent process: ≥ 5,000 nodes/s"))
                .anyMatch(t -> t.startsWith("5 runs × fan-out 1 → 19, memory, mode all: completes"));

        String text = Files.readString(md);
        assertThat(text).contains("| scenario | backend | topology |", "chain of 20", "fan-out 1 → 50", "diamond 3×5",
                "5 × the 7-node example", "fan-out, 200 nodes", "chain of 50", "5 runs × fan-out 1 → 19",
                "| api + agent |", "service CPU µs/node", "HTTP requests/node", "GET /v0/runs?limit=100",
                "by thread group, µs per node", "| api + agent | agent |", "Raw HTTP round trip", "| heartbeat | memory | 1 |",
                "| liveness | memory | 2 |", "÷ raw 1-thread round trips/s");
    }

    /** The sum of a process's {@code thread_cpu_us_per_node.<process>.*} medians (with "exited threads / other"). */
    private static double groupSum(JsonNode figures, String process) {
        double sum = 0;
        int n = 0;
        for (var e : figures.properties()) {
            if (e.getKey().startsWith(Benchmark.THREADS + process + ".")) {
                sum += e.getValue().path("median").asDouble();
                n++;
            }
        }
        assertThat(n).as(process + " thread groups").isGreaterThan(1);
        return sum;
    }
}
