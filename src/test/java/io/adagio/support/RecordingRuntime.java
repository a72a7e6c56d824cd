package io.adagio.support;

import io.adagio.agent.runtime.DebugRuntime;
import io.adagio.agent.runtime.Durations;
import io.adagio.agent.runtime.NodeRuntime;
import io.adagio.agent.runtime.Task;
import io.adagio.model.Result;
import org.springframework.core.env.Environment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The runtime of the fault tests, {@code record}: before it runs a node it appends one line — run, node,
 * attempt, agent, wall-clock time in ms — to the file {@code adagio.test.executions} names, so a test counts the
 * executions that really started from the work itself, never from what the store says. Each line is one
 * {@code O_APPEND} write of well under {@code PIPE_BUF}, so the lines of several agent processes sharing the file
 * never interleave. Then it sleeps for {@code first-sleep} on a node's first attempt only (so a node killed
 * mid-run runs quickly when it runs again) and behaves as {@code debug} (its {@code sleep}, {@code conclusion},
 * {@code chances}, read from {@code adagio.arguments.record.*}).
 *
 * <p>Not a bean of the service's own: a service process started by a test offers it with
 * {@code --spring.main.sources=io.adagio.support.RecordingRuntime --adagio.agent.runtimes=record}.
 */
public final class RecordingRuntime implements NodeRuntime {
    public static final String NAME = "record";
    private final Path file;
    private final DebugRuntime debug = new DebugRuntime();

    public RecordingRuntime(Environment env) {
        this.file = Path.of(env.getRequiredProperty("adagio.test.executions"));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Result run(Task task) throws Exception {
        int attempt = task.attempts().size() + 1;
        String line = task.runId() + " " + task.spec().name() + " " + attempt + " " + task.agentId() + " "
                + System.currentTimeMillis() + "\n";
        Files.write(file, line.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
        Optional<String> firstSleep = task.arguments().one("first-sleep");
        if (firstSleep.isPresent() && task.attempts().isEmpty()) {
            Duration d = Durations.parse(firstSleep.get());
            Thread.sleep(d.toMillis());
        }
        return debug.run(task);
    }

    /** One recorded execution. */
    public record Execution(String runId, String node, int attempt, String agentId, long atMillis) {
    }

    /** The executions recorded in {@code file} so far, in the order they started. */
    public static List<Execution> read(Path file) {
        List<Execution> out = new ArrayList<>();
        try {
            if (!Files.exists(file)) {
                return out;
            }
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = line.trim().split(" ");
                if (f.length == 5) {
                    out.add(new Execution(f[0], f[1], Integer.parseInt(f[2]), f[3], Long.parseLong(f[4])));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
