package io.adagio.agent;

import io.adagio.agent.http.HttpControlPlane;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.time.Duration;

/** The pool with slots over HTTP: mode {@code all} with {@code adagio.agent.transport=http}, its own API. */
@TestPropertySource(properties = "adagio.agent.transport=http")
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
}
