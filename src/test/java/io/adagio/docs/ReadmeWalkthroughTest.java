package io.adagio.docs;

import io.adagio.support.Http;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the README's curl blocks (the quick start and an agent's life) with bash against a live server, so
 * the documented protocol works exactly as written. Needs bash, curl and grep.
 */
@Timeout(120)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "adagio.mode=api")
class ReadmeWalkthroughTest {
    @LocalServerPort
    int port;

    static String block(String marker) throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = Pattern.compile("<!-- " + marker + " -->\\s*```bash\\n(.*?)```\\s*<!-- /" + marker + " -->", Pattern.DOTALL)
                .matcher(readme);
        assertThat(m.find()).as("README has a %s block", marker).isTrue();
        return m.group(1);
    }

    record Outcome(int exit, String output) {
    }

    static Outcome bash(String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).redirectErrorStream(true)
                .directory(Path.of("").toAbsolutePath().toFile()).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Outcome(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void theAgentWalkthroughWorksAsWritten() throws Exception {
        Outcome o = bash("ADAGIO=http://127.0.0.1:" + port + "\n" + block("walkthrough"));
        assertThat(o.exit()).as(o.output()).isZero();
        assertThat(o.output()).contains("\"ttl_seconds\":10", "event:NODE_READY", "\"status\":\"COMPLETED\",\"outcome\":\"SUCCEEDED\"",
                "{\"node\":{\"spec\":{\"name\":\"world\"");
        assertThat(new Http(port).get("/v0/agents").json().path("agents").findValuesAsString("id")).doesNotContain("my-agent");
    }

    @Test
    void theCancelWorksAsWritten() throws Exception {
        Outcome o = bash("ADAGIO=http://127.0.0.1:" + port + "\n" + block("cancel"));
        assertThat(o.exit()).as(o.output()).isZero();
        assertThat(o.output()).contains("\"status\":\"COMPLETED\",\"outcome\":\"CANCELLED\"", "\"cancelled\":true",
                "\"status\":\"WAITING\",\"nodes\"");
    }

    @Test
    void followingARunWorksAsWrittenAndEndsWithTheRun() throws Exception {
        Outcome o = bash("ADAGIO=http://127.0.0.1:" + port + "\n" + block("follow"));
        assertThat(o.exit()).as(o.output()).isZero();
        assertThat(o.output()).contains("event:RUN_STATUS", "event:NODE_STATUS", "\"by_hand\":true",
                "\"run\":{\"status\":\"COMPLETED\",\"outcome\":\"SUCCEEDED\"");
    }
}
