package io.adagio.agent.runtime;

import io.adagio.model.Conclusion;
import io.adagio.model.MetadataValues;
import io.adagio.model.NodeSpec;
import io.adagio.model.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ExecRuntimeTest {
    private final ExecRuntime anyCommand = new ExecRuntime(Set.of(), Duration.ofSeconds(10));

    private static Task task(String command, String... args) {
        Map<String, MetadataValues> metadata = new HashMap<>();
        if (command != null) {
            metadata.put("adagio.arguments.exec.command", MetadataValues.of(command));
        }
        if (args.length > 0) {
            metadata.put("adagio.arguments.exec.args", MetadataValues.of(args));
        }
        return Task.of("run-1", new NodeSpec("n", "exec", metadata, Map.of()), Map.of(), List.of());
    }

    private static String text(Result r) {
        return new String(r.output(), StandardCharsets.UTF_8);
    }

    @Test
    void nameIsExec() {
        assertThat(anyCommand.name()).isEqualTo("exec");
    }

    @Test
    void successfulCommandKeepsItsOutput() throws Exception {
        Result r = anyCommand.run(task("echo", "hello"));
        assertThat(r.conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(text(r)).isEqualTo("hello\n");
        assertThat(r.metadata()).containsEntry("exit_code", MetadataValues.of("0"));
    }

    @Test
    void argumentsArePassedAsSeparateWordsWithoutAShell() throws Exception {
        Result r = anyCommand.run(task("echo", "a  b", "$HOME", "c;d"));
        assertThat(text(r)).isEqualTo("a  b $HOME c;d\n");
    }

    @Test
    void nonZeroExitIsFailWithStdoutAndStderrKept() throws Exception {
        Result r = anyCommand.run(task("sh", "-c", "echo out; echo err >&2; exit 3"));
        assertThat(r.conclusion()).isEqualTo(Conclusion.FAIL);
        assertThat(text(r)).contains("out\n").contains("err\n");
        assertThat(r.metadata()).containsEntry("exit_code", MetadataValues.of("3"));
    }

    @Test
    void falseFails() throws Exception {
        Result r = anyCommand.run(task("false"));
        assertThat(r.conclusion()).isEqualTo(Conclusion.FAIL);
        assertThat(r.metadata()).containsEntry("exit_code", MetadataValues.of("1"));
    }

    @Test
    void commandThatCannotStartIsAnError() throws Exception {
        Result r = anyCommand.run(task("/nonexistent/adagio-no-such-command"));
        assertThat(r.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(text(r)).contains("adagio-no-such-command");
    }

    @Test
    void commandNotInTheAllowListIsAnErrorAndDoesNotRun(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("touched");
        ExecRuntime onlyEcho = new ExecRuntime(Set.of("echo", "ls"), Duration.ofSeconds(10));
        Result r = onlyEcho.run(task("touch", marker.toString()));
        assertThat(r.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(text(r)).contains("touch").contains("not");
        assertThat(marker).doesNotExist();
    }

    @Test
    void commandInTheAllowListRuns(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("touched");
        ExecRuntime onlyTouch = new ExecRuntime(Set.of("touch"), Duration.ofSeconds(10));
        assertThat(onlyTouch.run(task("touch", marker.toString())).conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(marker).exists();
    }

    @Test
    void allowListMatchesTheCommandAsGivenNotItsBaseName(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("touched");
        ExecRuntime onlyTouch = new ExecRuntime(Set.of("touch"), Duration.ofSeconds(10));
        Result r = onlyTouch.run(task("/usr/bin/touch", marker.toString()));
        assertThat(r.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(marker).doesNotExist();
    }

    @Test
    void theCommandGetsOnlyTheEnvironmentItIsGivenAndADirectoryOfItsOwn() throws Exception {
        Map<String, String> service = Map.of("PATH", System.getenv("PATH"), "ADAGIO_DB_PASSWORD", "s3cret", "LANG", "C");
        ExecRuntime scrubbed = new ExecRuntime(Set.of(), Duration.ofSeconds(10), List.of("PATH", "LANG"), service);
        String env = text(scrubbed.run(task("env")));
        assertThat(env).as("a secret of the service is not the command's").doesNotContain("s3cret")
                .doesNotContain("ADAGIO_DB_PASSWORD").contains("LANG=C").contains("PATH=");
        assertThat(env.lines()).hasSize(2);
        ExecRuntime passing = new ExecRuntime(Set.of(), Duration.ofSeconds(10), List.of("PATH", "ADAGIO_DB_PASSWORD"), service);
        assertThat(text(passing.run(task("env")))).as("unless it is listed").contains("ADAGIO_DB_PASSWORD=s3cret");

        String first = text(scrubbed.run(task("pwd"))).trim();
        String second = text(scrubbed.run(task("pwd"))).trim();
        assertThat(first).isNotEqualTo(second).contains("adagio-exec-");
        assertThat(Path.of(first)).as("removed once the command ended").doesNotExist();
        assertThat(text(scrubbed.run(task("sh", "-c", "touch left-behind; ls")))).isEqualTo("left-behind\n");
    }

    @Test
    void aConfiguredWorkingDirectoryIsWhereEveryCommandRunsAndIsKept(@TempDir Path dir) throws Exception {
        ExecRuntime inDir = new ExecRuntime(Set.of(), Duration.ofSeconds(10), List.of("PATH"),
                Map.of("PATH", System.getenv("PATH")), dir);
        assertThat(text(inDir.run(task("pwd"))).trim()).isEqualTo(dir.toRealPath().toString());
        inDir.run(task("touch", "kept"));
        assertThat(dir.resolve("kept")).exists();
    }

    @Test
    void anAllowedNameRunsTheProgramItNamesOnItsOwnPathNotAnotherOnTheAgents(@TempDir Path dir) throws Exception {
        Path fake = dir.resolve("echo");
        java.nio.file.Files.writeString(fake, "#!/bin/sh\necho hijacked\n");
        fake.toFile().setExecutable(true);
        ExecRuntime onlyEcho = new ExecRuntime(Set.of("echo"), Duration.ofSeconds(10), List.of("PATH"),
                Map.of("PATH", "/usr/bin:/bin"));
        assertThat(text(onlyEcho.run(task("echo", "hi")))).isEqualTo("hi\n");
        assertThat(onlyEcho.run(task(fake.toString(), "hi")).conclusion()).as("another program of that name").isEqualTo(Conclusion.ERROR);
        ExecRuntime byPath = new ExecRuntime(Set.of(fake.toString()), Duration.ofSeconds(10), List.of("PATH"),
                Map.of("PATH", "/usr/bin:/bin"));
        assertThat(text(byPath.run(task(fake.toString())))).as("a full path in the allow-list").isEqualTo("hijacked\n");
        assertThat(byPath.run(task("echo", "x")).conclusion()).isEqualTo(Conclusion.ERROR);
    }

    @Test
    void commandOutlivingTheTimeoutIsAnErrorReportedPromptly() throws Exception {
        ExecRuntime quick = new ExecRuntime(Set.of(), Duration.ofMillis(200));
        long start = System.nanoTime();
        Result r = quick.run(task("sleep", "10"));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        assertThat(r.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(text(r)).contains("timed out");
        assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(200)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void missingCommandArgumentIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> anyCommand.run(task(null, "x")))
                .withMessageContaining("command");
    }

    @Test
    void argsCanComeFromAnUpstreamOutput() throws Exception {
        NodeSpec spec = new NodeSpec("n", "exec", Map.of(
                "adagio.arguments.exec.command", MetadataValues.of("echo"),
                "adagio.inputs.exec.args", MetadataValues.of("up")), Map.of());
        Task t = Task.of("run-1", spec, Map.of("up", "from upstream".getBytes(StandardCharsets.UTF_8)), List.of());
        Result r = anyCommand.run(t);
        assertThat(r.conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(text(r)).isEqualTo("from upstream\n");
    }

    @Test
    void commandUnderTheLegacyKeyIsAccepted() throws Exception {
        NodeSpec spec = new NodeSpec("n", "exec", Map.of(
                "adagio.runtime.exec.command", MetadataValues.of("echo"),
                "adagio.runtime.exec.args", MetadataValues.of("legacy")), Map.of());
        Result r = anyCommand.run(Task.of("run-1", spec, Map.of(), List.of()));
        assertThat(text(r)).isEqualTo("legacy\n");
    }

    @Test
    void stdinIsClosedSoCommandsReadingItDoNotHang() throws Exception {
        ExecRuntime bounded = new ExecRuntime(Set.of(), Duration.ofSeconds(5));
        Result r = bounded.run(task("sh", "-c", "cat; echo done"));
        assertThat(r.conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(text(r)).isEqualTo("done\n");
    }

    @Test
    void aCommandWhoseOutputFillsItsPipeIsReadWhileAnotherCommandStillRuns(@TempDir Path dir) throws Exception {
        Path started = dir.resolve("started");
        Path gate = dir.resolve("gate");
        // the first writes 100 kB (more than a pipe holds), says so, and waits for the gate: its output is being
        // read all along on a thread that is busy until it ends
        java.util.concurrent.CompletableFuture<Result> first = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return anyCommand.run(task("sh", "-c", "head -c 100000 /dev/zero; touch " + started
                        + "; while [ ! -e " + gate + " ]; do sleep 0.05; done"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, java.util.concurrent.Executors.newSingleThreadExecutor());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> java.nio.file.Files.exists(started));

        Result second = new ExecRuntime(Set.of(), Duration.ofSeconds(5)).run(task("head", "-c", "100000", "/dev/zero"));
        assertThat(second.conclusion()).as("not blocked behind the first's reader").isEqualTo(Conclusion.SUCCESS);
        assertThat(second.output()).hasSize(100_000);

        java.nio.file.Files.createFile(gate);
        Result one = first.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(one.conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(one.output()).hasSize(100_000);
    }
}
