package io.adagio.agent;

import io.adagio.agent.http.HttpControlPlane;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void aCallThatCannotConnectSaysNothingWasSent() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        ControlPlane nowhere = new HttpControlPlane(URI.create("http://127.0.0.1:" + closed), json, Duration.ofSeconds(2));
        assertThatThrownBy(() -> nowhere.claimBatch("nobody", 1, Duration.ZERO, null))
                .isInstanceOfSatisfying(ControlPlane.Unavailable.class, u -> assertThat(u.mayHaveHappened())
                        .as("a claim that never reached the control plane claimed nothing").isFalse());
    }
}
