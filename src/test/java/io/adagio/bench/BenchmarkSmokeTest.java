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
 * The benchmark harness in smoke mode (tiny scenarios, memory backend, one repetition), so it cannot rot:
 * every scenario runs and both results files come out with sane figures.
 */
class BenchmarkSmokeTest {
    @Test
    void smokeRunWritesEveryScenario(@TempDir Path out) throws Exception {
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
        List<String> seen = new ArrayList<>();
        for (JsonNode s : root.path("scenarios")) {
            String name = s.path("scenario").asString();
            seen.add(name);
            assertThat(s.path("backend").asString()).isEqualTo("memory");
            assertThat(s.path("errors").size()).as(name).isZero();
            JsonNode f = s.path("figures");
            if (name.equals("scale")) {
                assertThat(f.path("runs_stored").path("median").asDouble()).as(name).isGreaterThanOrEqualTo(30);
                assertThat(f.path("list_first_page_ms").path("median").asDouble()).as(name).isPositive();
                assertThat(f.path("stats_ms").path("median").asDouble()).as(name).isPositive();
            } else {
                assertThat(f.path("nodes").path("median").asDouble()).as(name).isPositive();
                assertThat(f.path("nodes_per_s").path("median").asDouble()).as(name).isPositive();
                assertThat(f.path("ready_claim_p50_ms").path("median").asDouble()).as(name).isPositive();
                assertThat(f.path("ready_claim_p99_ms").path("median").asDouble()).as(name)
                        .isGreaterThanOrEqualTo(f.path("ready_claim_p50_ms").path("median").asDouble());
                assertThat(f.path("start_p50_ms").path("median").asDouble()).as(name).isPositive();
                assertThat(f.path("cpu_s").path("median").asDouble()).as(name).isPositive();
            }
        }
        assertThat(seen).containsExactlyElementsOf(Benchmark.SCENARIOS);

        String text = Files.readString(md);
        assertThat(text).contains("| scenario | backend |", "chain of 20", "fan-out 1 → 50", "diamond 3×5",
                "5 × the 7-node example", "fan-out, 200 nodes", "GET /v0/runs?limit=100");
    }
}
