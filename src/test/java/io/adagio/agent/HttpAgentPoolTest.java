package io.adagio.agent;

import io.adagio.agent.http.HttpControlPlane;
import io.adagio.agent.runtime.NodeRuntime;
import io.adagio.agent.runtime.Task;
import io.adagio.config.AgentProperties;
import io.adagio.model.Conclusion;
import io.adagio.model.GraphSpec;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.Result;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pool with slots over HTTP: mode {@code all} with {@code adagio.agent.transport=http}, its own API (whose
 * request bodies are limited to 64 KB here, to show what the pool does with a result the API refuses).
 */
@TestPropertySource(properties = {"adagio.agent.transport=http", "adagio.limits.max-request-size=64KB"})
class HttpAgentPoolTest extends AgentPoolContract {
    @LocalServerPort
    int port;
    @Autowired
    JsonMapper json;

    @Override
    protected ControlPlane connect() {
        return new HttpControlPlane(URI.create("http://127.0.0.1:" + port), json, Duration.ofSeconds(10));
    }

    @Override
    protected boolean overHttp() {
        return true;
    }

    @Test
    void aResultTheControlPlaneRefusesIsFinishedErrorAndTheRestOfItsBatchStillCounts() {
        String name = "large-" + UUID.randomUUID().toString().substring(0, 8);
        NodeRuntime large = new NodeRuntime() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Result run(Task task) {
                return task.spec().name().equals("big") ? new Result(Conclusion.SUCCESS, Map.of(), new byte[100 * 1024])
                        : Result.of(Conclusion.SUCCESS, task.spec().name());
            }
        };
        AgentPool pool = new AgentPool(new AgentProperties(null, AgentProperties.Transport.HTTP, 1, 4, List.of(name),
                name, Duration.ofMillis(50), Duration.ofMillis(500), new AgentProperties.Exec(false, List.of(), Duration.ofSeconds(5))),
                List.of(large), id -> connect(), "test");
        pool.start();
        try {
            String run = repository.startRun(runs.create(new GraphSpec(
                    List.of(NodeSpec.of("big", name), NodeSpec.of("a", name), NodeSpec.of("b", name)), List.of()))).id();
            await().atMost(Duration.ofSeconds(20)).until(() -> repository.isRunCompleted(run));
            Map<String, Node> nodes = repository.inspectRun(run).nodes().stream()
                    .collect(Collectors.toMap(Node::name, n -> n));
            assertThat(nodes.get("big").attempts()).singleElement().satisfies(r -> {
                assertThat(r.conclusion()).isEqualTo(Conclusion.ERROR);
                assertThat(new String(r.output(), StandardCharsets.UTF_8))
                        .startsWith("the control plane refused the result").contains("payload-too-large");
            });
            assertThat(List.of(nodes.get("a"), nodes.get("b"))).allSatisfy(n -> assertThat(n.attempts())
                    .extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS));
        } finally {
            pool.stop();
        }
    }
}
