package io.adagio.agent.runtime;

import io.adagio.model.Conclusion;
import io.adagio.model.Result;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code exec}: runs {@code command} with {@code args} on the agent's host. Output is stdout and stderr
 * combined. Exit 0 is SUCCESS; any other exit is FAIL with the output kept; a command that cannot start, is
 * not allowed, or outlives the timeout is ERROR. Only offered when enabled, since it runs commands for anyone
 * who can reach the API; an allow-list limits which commands.
 */
public final class ExecRuntime implements NodeRuntime {
    private static final int MAX_OUTPUT = 1 << 20;
    /**
     * Read each command's output, one thread per running command (never the common pool: with one thread on
     * two cores, a command whose output fills its pipe would wait for another command to end).
     */
    private static final ExecutorService READERS = Executors.newCachedThreadPool(new ThreadFactory() {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "adagio-exec-output-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });

    private final Set<String> allowed;
    private final Duration timeout;

    /**
     * @param allowed the commands it may run (as given in {@code command}); empty means any
     * @param timeout how long a command may run
     */
    public ExecRuntime(Set<String> allowed, Duration timeout) {
        this.allowed = Set.copyOf(allowed);
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return "exec";
    }

    @Override
    public Result run(Task task) throws Exception {
        String command = task.arguments().one("command")
                .orElseThrow(() -> new IllegalArgumentException("missing required argument: command"));
        if (!allowed.isEmpty() && !allowed.contains(command)) {
            return Result.of(Conclusion.ERROR, "command '" + command + "' is not in adagio.agent.exec.allowed-commands");
        }
        List<String> argv = new ArrayList<>();
        argv.add(command);
        argv.addAll(task.arguments().all("args"));
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        } catch (IOException e) {
            return Result.of(Conclusion.ERROR, "cannot start " + command + ": " + e.getMessage());
        }
        p.getOutputStream().close();
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> read(p.getInputStream()), READERS);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return Result.of(Conclusion.ERROR, command + " timed out after " + timeout);
            }
        } catch (InterruptedException e) {
            // stopped (a cancel, a shutdown): the command goes, with whatever it started
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw e;
        }
        byte[] out = output.get(5, TimeUnit.SECONDS);
        Conclusion c = p.exitValue() == 0 ? Conclusion.SUCCESS : Conclusion.FAIL;
        java.util.Map<String, io.adagio.model.MetadataValues> meta =
                java.util.Map.of("exit_code", io.adagio.model.MetadataValues.of(Integer.toString(p.exitValue())));
        return new Result(c, meta, out);
    }

    private static byte[] read(InputStream in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() < MAX_OUTPUT) {
                    out.write(buf, 0, Math.min(n, MAX_OUTPUT - out.size()));
                }
            }
        } catch (IOException e) {
            // the process ended; keep what was read
        }
        return out.toByteArray();
    }
}
