package io.adagio.agent.runtime;

import io.adagio.engine.Durations;
import io.adagio.model.Conclusion;
import io.adagio.model.Result;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * {@code debug}: for testing the engine. Sleeps for {@code sleep}, then checks {@code chances} in order
 * ({@code "<probability> <result>"}, result one of success, fail, error, panic; the first that fires decides;
 * panic is a crash, so ERROR), else ends with {@code conclusion} (default success). {@code conclusion} may list
 * one value per attempt ({@code ["error", "success"]}: the first attempt errors, the second succeeds; the last
 * value holds for later attempts). Its output is the node's name. Bad arguments are an ERROR.
 */
public final class DebugRuntime implements NodeRuntime {
    private final DoubleSupplier random;

    public DebugRuntime() {
        this(() -> ThreadLocalRandom.current().nextDouble());
    }

    /** With a chosen source of randomness in [0, 1), for tests. */
    public DebugRuntime(DoubleSupplier random) {
        this.random = random;
    }

    @Override
    public String name() {
        return "debug";
    }

    @Override
    public Result run(Task task) throws Exception {
        Arguments args = task.arguments();
        Optional<String> sleep = args.one("sleep");
        if (sleep.isPresent()) {
            Duration d = Durations.parse(sleep.get());
            if (!d.isZero()) {
                Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
            }
        }
        String outcome = null;
        for (String chance : args.all("chances")) {
            String[] parts = chance.trim().split("\\s+");
            if (parts.length != 2) {
                throw new IllegalArgumentException("chance '" + chance + "' is not '<probability> <result>'");
            }
            double p;
            try {
                p = Double.parseDouble(parts[0]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("chance '" + chance + "': " + parts[0] + " is not a probability");
            }
            String result = parts[1].toLowerCase(Locale.ROOT);
            if (!List.of("success", "fail", "error", "panic").contains(result)) {
                throw new IllegalArgumentException("chance '" + chance + "': result must be success, fail, error or panic");
            }
            if (outcome == null && random.getAsDouble() < p) {
                outcome = result;
            }
        }
        if (outcome == null) {
            List<String> conclusions = args.all("conclusion");
            outcome = conclusions.isEmpty() ? "success"
                    : conclusions.get(Math.min(task.attempts().size(), conclusions.size() - 1)).toLowerCase(Locale.ROOT);
        }
        String name = task.spec().name();
        return switch (outcome) {
            case "success" -> Result.of(Conclusion.SUCCESS, name);
            case "fail" -> Result.of(Conclusion.FAIL, name);
            case "error" -> Result.of(Conclusion.ERROR, name);
            case "panic" -> throw new IllegalStateException("debug panic in node " + name);
            default -> throw new IllegalArgumentException("conclusion must be success, fail or error, not " + outcome);
        };
    }
}
