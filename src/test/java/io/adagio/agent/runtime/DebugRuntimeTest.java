package io.adagio.agent.runtime;

import io.adagio.model.Conclusion;
import io.adagio.model.MetadataValues;
import io.adagio.model.NodeSpec;
import io.adagio.model.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DebugRuntimeTest {
    /** Never fires any chance below 1.0 by itself: tests pass an explicit supplier where chances matter. */
    private final DebugRuntime runtime = new DebugRuntime(() -> 0.999);

    private static Task task(String name, Map<String, List<String>> arguments) {
        Map<String, MetadataValues> metadata = new HashMap<>();
        arguments.forEach((k, v) -> metadata.put("adagio.arguments.debug." + k, new MetadataValues(v)));
        return Task.of("run-1", new NodeSpec(name, "debug", metadata, Map.of()), Map.of(), List.of());
    }

    private static String text(Result r) {
        return new String(r.output(), StandardCharsets.UTF_8);
    }

    /** Yields the given values in turn and counts how many were drawn. */
    private static final class Sequence implements DoubleSupplier {
        private final double[] values;
        private final AtomicInteger drawn = new AtomicInteger();

        Sequence(double... values) {
            this.values = values;
        }

        @Override
        public double getAsDouble() {
            return values[drawn.getAndIncrement()];
        }
    }

    @Test
    void nameIsDebug() {
        assertThat(runtime.name()).isEqualTo("debug");
    }

    @Test
    void succeedsByDefaultWithTheNodeNameAsOutput() throws Exception {
        Result r = runtime.run(task("my-node", Map.of()));
        assertThat(r.conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(text(r)).isEqualTo("my-node");
    }

    @Test
    void conclusionFail() throws Exception {
        Result r = runtime.run(task("n", Map.of("conclusion", List.of("fail"))));
        assertThat(r.conclusion()).isEqualTo(Conclusion.FAIL);
        assertThat(text(r)).isEqualTo("n");
    }

    @Test
    void conclusionError() throws Exception {
        assertThat(runtime.run(task("n", Map.of("conclusion", List.of("error")))).conclusion()).isEqualTo(Conclusion.ERROR);
    }

    @Test
    void conclusionIsCaseInsensitive() throws Exception {
        assertThat(runtime.run(task("n", Map.of("conclusion", List.of("FAIL")))).conclusion()).isEqualTo(Conclusion.FAIL);
    }

    @Test
    void unknownConclusionIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> runtime.run(task("n", Map.of("conclusion", List.of("maybe")))));
    }

    @Test
    void sleepWaitsAtLeastTheGivenDuration() throws Exception {
        long start = System.nanoTime();
        Result r = runtime.run(task("n", Map.of("sleep", List.of("20ms"))));
        long elapsed = System.nanoTime() - start;
        assertThat(r.conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(Duration.ofNanos(elapsed)).isGreaterThanOrEqualTo(Duration.ofMillis(20));
    }

    @Test
    void sleepAsGoNanoseconds() throws Exception {
        long start = System.nanoTime();
        Result r = runtime.run(task("n", Map.of("sleep", List.of("30000000"))));
        long elapsed = System.nanoTime() - start;
        assertThat(r.conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(Duration.ofNanos(elapsed)).isGreaterThanOrEqualTo(Duration.ofMillis(30));
    }

    @Test
    void sleepOfOneMillisecondInNanoseconds() throws Exception {
        long start = System.nanoTime();
        assertThat(runtime.run(task("n", Map.of("sleep", List.of("1000000")))).conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(1_000_000L);
    }

    @Test
    void sleepIsInterruptible() {
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> runtime.run(task("n", Map.of("sleep", List.of("10s")))))
                    .isInstanceOf(InterruptedException.class);
        } finally {
            Thread.interrupted();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "5x", "-5"})
    void badSleepIsRejected(String sleep) {
        assertThatIllegalArgumentException().isThrownBy(() -> runtime.run(task("n", Map.of("sleep", List.of(sleep)))));
    }

    @Test
    void chanceFiresWhenTheDrawIsBelowTheProbability() throws Exception {
        Result r = new DebugRuntime(() -> 0.3).run(task("n", Map.of("chances", List.of("0.5 fail"))));
        assertThat(r.conclusion()).isEqualTo(Conclusion.FAIL);
        assertThat(text(r)).isEqualTo("n");
    }

    @Test
    void chanceDoesNotFireWhenTheDrawIsAbove() throws Exception {
        Result r = new DebugRuntime(() -> 0.7).run(task("n", Map.of("chances", List.of("0.5 fail"))));
        assertThat(r.conclusion()).isEqualTo(Conclusion.SUCCESS);
    }

    @Test
    void whenNoChanceFiresTheConclusionDecides() throws Exception {
        Result r = new DebugRuntime(() -> 0.7)
                .run(task("n", Map.of("chances", List.of("0.5 fail"), "conclusion", List.of("error"))));
        assertThat(r.conclusion()).isEqualTo(Conclusion.ERROR);
    }

    @Test
    void chanceThatFiresWinsOverTheConclusion() throws Exception {
        Result r = new DebugRuntime(() -> 0.1)
                .run(task("n", Map.of("chances", List.of("0.5 success"), "conclusion", List.of("fail"))));
        assertThat(r.conclusion()).isEqualTo(Conclusion.SUCCESS);
    }

    @Test
    void firstFiringChanceWins() throws Exception {
        // draws: 0.9 (does not fire 0.5 fail), 0.2 (fires 0.3 error); 0.4 success would also fire but comes later.
        Sequence draws = new Sequence(0.9, 0.2, 0.0);
        Result r = new DebugRuntime(draws)
                .run(task("n", Map.of("chances", List.of("0.5 fail", "0.3 error", "0.9 success"))));
        assertThat(r.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(draws.drawn).hasValue(2);
    }

    @Test
    void firstChanceFiringStopsTheDraws() throws Exception {
        Sequence draws = new Sequence(0.0);
        Result r = new DebugRuntime(draws).run(task("n", Map.of("chances", List.of("0.5 fail", "1.0 error"))));
        assertThat(r.conclusion()).isEqualTo(Conclusion.FAIL);
        assertThat(draws.drawn).hasValue(1);
    }

    @Test
    void panicThrowsSoTheAgentReportsAnError() {
        assertThatThrownBy(() -> new DebugRuntime(() -> 0.5).run(task("crashy", Map.of("chances", List.of("1.0 panic")))))
                .isInstanceOf(RuntimeException.class)
                .isNotInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("crashy");
    }

    @Test
    void chanceResultIsCaseInsensitiveAndSpacingIsFree() throws Exception {
        Result r = new DebugRuntime(() -> 0.0).run(task("n", Map.of("chances", List.of("  0.5\tFAIL "))));
        assertThat(r.conclusion()).isEqualTo(Conclusion.FAIL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.5", "fail", "0.5 fail now", "half fail", "0.5 explode", ""})
    void badChanceSyntaxIsRejected(String chance) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new DebugRuntime(() -> 0.0).run(task("n", Map.of("chances", List.of(chance)))));
    }

    @Test
    void aBadChanceIsRejectedEvenAfterAnEarlierOneFired() {
        assertThatIllegalArgumentException().isThrownBy(() -> new DebugRuntime(() -> 0.0)
                .run(task("n", Map.of("chances", List.of("1.0 fail", "bogus")))));
    }

    @Test
    void argumentsFromTheLegacyKeyAreHonoured() throws Exception {
        NodeSpec spec = new NodeSpec("n", "debug", Map.of("adagio.runtime.debug.conclusion", MetadataValues.of("fail")), Map.of());
        assertThat(runtime.run(Task.of("r", spec, Map.of(), List.of())).conclusion()).isEqualTo(Conclusion.FAIL);
    }
}
