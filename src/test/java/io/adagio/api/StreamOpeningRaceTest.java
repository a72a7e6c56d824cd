package io.adagio.api;

import io.adagio.support.Http;
import io.adagio.support.SseClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import jakarta.servlet.http.HttpServletResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An agent stream's first event is written by the event delivery thread while the request's own thread may still
 * be unwinding the filter chain. Tomcat's response headers are not thread-safe: the security headers must be written
 * before the chain goes on (eagerly), or the two threads corrupt the header table (a NullPointerException in Tomcat,
 * a request that never completes and holds up a graceful shutdown).
 */
@Timeout(120)
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"adagio.mode=api"})
@Import(StreamOpeningRaceTest.Probe.class)
class StreamOpeningRaceTest {
    @LocalServerPort
    int port;

    /** Answers whether the security headers were on the response already when the handler ran. */
    @RestController
    static class Probe {
        @GetMapping("/test-probe/headers-before-handler")
        String headersBeforeHandler(HttpServletResponse response) {
            return Boolean.toString(response.containsHeader("X-Content-Type-Options") && response.containsHeader("X-Frame-Options"));
        }
    }

    @Test
    void theSecurityHeadersAreWrittenBeforeTheHandlerRunsSoNothingWritesThemWhileAStreamDoes() {
        Http.Reply r = new Http(port).get("/test-probe/headers-before-handler");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("true");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
    }

    @Test
    void streamsOpenedManyAtOnceEachCarryTheSecurityHeadersAndTheirFirstEvent(CapturedOutput output) throws Exception {
        Http http = new Http(port);
        ExecutorService openers = Executors.newFixedThreadPool(4);
        List<SseClient> streams = new ArrayList<>();
        try {
            List<Future<SseClient>> opened = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String path = "/v0/agents/race-" + i + "/events?runtime=debug";
                opened.add(openers.submit(() -> SseClient.open(http, path, null)));
            }
            for (Future<SseClient> f : opened) {
                streams.add(f.get());
            }
            for (SseClient s : streams) {
                assertThat(s.response().statusCode()).isEqualTo(200);
                assertThat(s.response().headers().allValues("X-Content-Type-Options")).containsExactly("nosniff");
                assertThat(s.response().headers().allValues("X-Frame-Options")).containsExactly("DENY");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> streams.stream().allMatch(s -> s.comments.contains("current set: empty")));
            assertThat(output.getAll()).doesNotContain("threw exception").doesNotContain("NullPointerException");
        } finally {
            streams.forEach(SseClient::close);
            openers.shutdownNow();
        }
    }
}
