package io.adagio.agent;

import io.adagio.agent.runtime.NodeRuntime;
import io.adagio.agent.runtime.Task;
import io.adagio.model.Conclusion;
import io.adagio.model.Result;
import io.adagio.support.Http;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The runtime SPI as the README documents it: a {@link NodeRuntime} bean listed in adagio.agent.runtimes is
 * offered by the pool and runs nodes, with arguments taken from an upstream node's output.
 */
@Timeout(60)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"adagio.mode=all", "adagio.agent.runtimes=debug,upper"})
class CustomRuntimeTest {
    @TestConfiguration
    static class Runtimes {
        @Bean
        NodeRuntime upper() {
            return new NodeRuntime() {
                @Override
                public String name() {
                    return "upper";
                }

                @Override
                public Result run(Task task) {
                    return Result.of(Conclusion.SUCCESS, task.arguments().one("text").orElse("").toUpperCase(Locale.ROOT));
                }
            };
        }
    }

    @LocalServerPort
    int port;

    @Test
    void aUserRuntimeRunsNodesWithInputMappedArguments() {
        Http http = new Http(port);
        await().atMost(Duration.ofSeconds(20)).until(() -> http.get("/v0/agents").json().path("agents").toString().contains("upper"));
        String id = http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"greet\",\"runtime\":\"debug\"},"
                + "{\"name\":\"shout\",\"runtime\":\"upper\",\"metadata\":{\"adagio.inputs.upper.text\":{\"values\":[\"greet\"]}}}],"
                + "\"edges\":[{\"source\":\"greet\",\"destination\":\"shout\"}]}}").json().path("run").path("id").asString();
        await().atMost(Duration.ofSeconds(20)).until(() ->
                "COMPLETED".equals(http.get("/v0/runs/" + id).json().path("run").path("status").asString()));
        JsonNode shout = http.get("/v0/runs/" + id + "/nodes/shout").json().path("node");
        String output = new String(Base64.getDecoder().decode(shout.path("attempts").get(0).path("output").asString()), StandardCharsets.UTF_8);
        assertThat(output).isEqualTo("GREET");
    }
}
