package io.adagio.agent;

import io.adagio.agent.http.HttpControlPlane;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.time.Duration;

/** The agent port over the public HTTP + SSE API. */
class HttpControlPlaneTest extends ControlPlaneContract {
    @LocalServerPort
    int port;
    @Autowired
    JsonMapper json;

    @Override
    protected ControlPlane connect() {
        return new HttpControlPlane(URI.create("http://127.0.0.1:" + port), json, Duration.ofSeconds(10));
    }
}
