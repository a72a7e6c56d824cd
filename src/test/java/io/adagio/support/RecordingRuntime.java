package io.adagio.support;

import io.adagio.agent.runtime.DebugRuntime;
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
import java.util.ArrayList;
import java.util.List;

/**
 * The runtime of the fault tests, {@code record}: before it runs a node it appends one line — run, node,
 * attempt, agent, wall-clock time in ms — to the file {@code adagio.test.executions} names, so a test counts the
 * executions that really started from the work itself, never from what the store says. Each line is one
 * {@code O_APPEND} write of well under {@code PIPE_BUF}, so the lines of several agent processes sharing the file
 * never interleave. With {@code hold-first} a node's first attempt is held until its agent stops (a node to kill
 * its agent under; when it runs again it runs at once); otherwise, and then, it behaves as {@code debug} (its
 * {@code sleep}, {@code conclusion}, {@code chances}, read from {@code adagio.arguments.record.*}).
 *
 * <p>Not a bean of the service's own: a service process started by a test offers it with
 * {@code --spring.main.sources=io.adagio.support.RecordingRuntime --adagio.agent.runtimes=record}.
 */
public final class RecordingRuntime implements NodeRuntime {
    public static final String NAME = "record";
    private final Path file;
    private final DebugRuntime debug = new DebugRuntime();
    /** What a held first attempt waits on: nothing ever releases it. */
    private static final java.util.concurrent.CountDownLatch HELD = new java.util.concurrent.CountDownLatch(1);

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
        if (task.arguments().one("hold-first").isPresent() && task.attempts().isEmpty()) {
            HELD.await(); // never counted down: until the agent stops (interrupted) or is killed
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
