package io.adagio.docs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's quick start, run with bash against the embedded default (API and built-in agents, as
 * {@code ./mvnw spring-boot:run} starts it): the example completes, and the URL to watch it at is printed.
 */
@Timeout(120)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "adagio.mode=all")
class ReadmeQuickStartTest {
    @LocalServerPort
    int port;

    @Test
    void theQuickStartCompletesAsWritten() throws Exception {
        ReadmeWalkthroughTest.Outcome o = ReadmeWalkthroughTest.bash("ADAGIO=http://127.0.0.1:" + port + "\n"
                + ReadmeWalkthroughTest.block("quickstart"));
        assertThat(o.exit()).as(o.output()).isZero();
        assertThat(o.output()).contains("\"status\":\"COMPLETED\",\"outcome\":\"SUCCEEDED\"", "\"run_count\"", "digraph",
                "watch it at http://127.0.0.1:" + port + "/runs/");
    }
}
