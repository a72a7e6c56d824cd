package io.adagio.e2e;

import io.adagio.support.Http;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code adagio.retention.finished} set: the service deletes a finished run once it has been finished that long. */
@Timeout(60)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "adagio.retention.finished=300ms", "adagio.retention.interval=50ms"})
class RetentionWiringTest {
    @LocalServerPort
    int port;

    @Test
    void aFinishedRunIsDeletedAfterTheRetentionPeriodAndAnUnfinishedOneIsKept() {
        Http http = new Http(port);
        String done = http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"}]}}")
                .json().path("run").path("id").asString();
        String waiting = http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"nobody-offers-it\"}]}}")
                .json().path("run").path("id").asString();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> http.get("/v0/runs/" + done).status() == 404);
        assertThat(http.get("/v0/runs/" + waiting).status()).as("not finished: kept").isEqualTo(200);
    }
}
