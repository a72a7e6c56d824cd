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
 * who can reach the API; an allow-list limits which commands. Never through a shell; the command is resolved to
 * its full path first (on the PATH the command gets) and that path is what runs: a command is allowed when it is an
 * allow-list entry as given (a name, or a full path) and the program it resolves to is the one that entry names. The command gets only the environment variables named in
 * {@code environment} (the service's secrets are not its), and a fresh empty working directory of its own,
 * removed when it ends.
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

    /** The variables a command gets when none are configured. */
    public static final List<String> DEFAULT_ENVIRONMENT = List.of("PATH", "LANG", "LC_ALL", "TZ");

    private final Set<String> allowed;
    private final boolean anything;
    /** The allowed commands as given: a command must be one of them, as given, and be the program it names. */
    private final Set<String> names;
    private final Duration timeout;
    private final java.util.Map<String, String> environment;
    private final java.nio.file.Path workDir;

    /**
     * @param allowed the commands it may run (as given in {@code command}); empty means any
     * @param timeout how long a command may run
     */
    public ExecRuntime(Set<String> allowed, Duration timeout) {
        this(allowed, timeout, DEFAULT_ENVIRONMENT, System.getenv(), null);
    }

    /** Commands each in a fresh empty directory of their own. */
    public ExecRuntime(Set<String> allowed, Duration timeout, List<String> passed, java.util.Map<String, String> from) {
        this(allowed, timeout, passed, from, null);
    }

    /**
     * @param allowed     the commands it may run: names (resolved on the PATH) or full paths; empty means any
     * @param timeout     how long a command may run
     * @param passed      the names of the variables of {@code from} a command gets; no other
     * @param from        the agent's environment
     * @param workDir     where every command runs; null: each in a fresh empty directory, removed after it
     */
    public ExecRuntime(Set<String> allowed, Duration timeout, List<String> passed, java.util.Map<String, String> from,
                       java.nio.file.Path workDir) {
        this.timeout = timeout;
        this.workDir = workDir;
        java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
        for (String name : passed) {
            String v = from.get(name);
            if (v != null) {
                env.put(name, v);
            }
        }
        this.environment = java.util.Map.copyOf(env);
        Set<String> a = new java.util.HashSet<>();
        for (String entry : allowed) { // the programs allowed, by full path
            resolve(entry).ifPresent(path -> a.add(path.toString()));
        }
        this.anything = allowed.isEmpty();
        this.names = Set.copyOf(allowed);
        this.allowed = Set.copyOf(a);
    }

    /** The program a command names: its full path (a name is looked up on the command's PATH); empty when none. */
    java.util.Optional<java.nio.file.Path> resolve(String command) {
        if (command.contains("/")) {
            java.nio.file.Path p = java.nio.file.Path.of(command).toAbsolutePath().normalize();
            return java.nio.file.Files.isExecutable(p) ? java.util.Optional.of(p) : java.util.Optional.empty();
        }
        for (String dir : environment.getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            java.nio.file.Path p = java.nio.file.Path.of(dir, command);
            if (java.nio.file.Files.isRegularFile(p) && java.nio.file.Files.isExecutable(p)) {
                return java.util.Optional.of(p.toAbsolutePath().normalize());
            }
        }
        return java.util.Optional.empty();
    }

    @Override
    public String name() {
        return "exec";
    }

    @Override
    public Result run(Task task) throws Exception {
        String command = task.arguments().one("command")
                .orElseThrow(() -> new IllegalArgumentException("missing required argument: command"));
        java.util.Optional<java.nio.file.Path> program = resolve(command);
        if (!anything && !(names.contains(command) && program.isPresent() && allowed.contains(program.get().toString()))) {
            return Result.of(Conclusion.ERROR, "command '" + command + "' is not in adagio.agent.exec.allowed-commands");
        }
        if (program.isEmpty()) {
            return Result.of(Conclusion.ERROR, "cannot start " + command + ": not found on the PATH it gets ("
                    + environment.getOrDefault("PATH", "none") + ")");
        }
        List<String> argv = new ArrayList<>();
        argv.add(program.get().toString());
        argv.addAll(task.arguments().all("args"));
        if (workDir != null) {
            return run(command, argv, workDir);
        }
        java.nio.file.Path fresh = java.nio.file.Files.createTempDirectory("adagio-exec-");
        try {
            return run(command, argv, fresh);
        } finally {
            deleteTree(fresh);
        }
    }

    private Result run(String command, List<String> argv, java.nio.file.Path workDir) throws Exception {
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).directory(workDir.toFile());
            pb.environment().clear();
            pb.environment().putAll(environment);
            p = pb.start();
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

    private static void deleteTree(java.nio.file.Path dir) {
        try (java.util.stream.Stream<java.nio.file.Path> all = java.nio.file.Files.walk(dir)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort: a command that left files it cannot delete leaves them in the temp directory
        }
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
