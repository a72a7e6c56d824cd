package io.adagio.api;

import io.adagio.support.Http;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

import java.net.http.HttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the new user tried, with tokens on: a reader who copies what it can see of a running node cannot
 * finish it in the agent's place; an agent token cannot act for an agent id it does not allow, nor finish a node
 * another agent holds; the same flow passes with the right tokens, and the claim's token is never shown to a reader.
 */
@WithTokens
class SecurityFlowsTest {
    @LocalServerPort
    int port;
    @org.springframework.beans.factory.annotation.Autowired
    tools.jackson.databind.json.JsonMapper json;

    /** The built-in pool's transport carries its token (adagio.agent.token): with it the agent's calls pass. */
    @Test
    void thePoolsHttpTransportSendsItsToken() throws Exception {
        String run = as(SecurityMatrixTest.OPERATOR, "PUT", "/v0/runs",
                "{\"spec\":{\"nodes\":[{\"name\":\"p\",\"runtime\":\"pooled\"}]}}").json().path("run").path("id").asString();
        io.adagio.agent.ControlPlane withToken = new io.adagio.agent.http.HttpControlPlane(new Http(port).uri(""), json,
                java.time.Duration.ofSeconds(10), SecurityMatrixTest.AGENT);
        assertThat(withToken.register("good-pool", java.util.List.of("pooled"))).isPositive();
        var claimed = withToken.claimBatch("good-pool", 1, java.time.Duration.ofSeconds(2), "r-1");
        assertThat(claimed).hasSize(1);
        assertThat(withToken.finish(run, "p", "good-pool", claimed.get(0).claim().id(),
                io.adagio.model.Result.of(io.adagio.model.Conclusion.SUCCESS, "ok"), 0).accepted()).isTrue();
        assertThat(as(SecurityMatrixTest.READER, "GET", "/v0/runs/" + run, null).json().path("run").path("outcome").asString())
                .isEqualTo("SUCCEEDED");

        io.adagio.agent.ControlPlane without = new io.adagio.agent.http.HttpControlPlane(new Http(port).uri(""), json,
                java.time.Duration.ofSeconds(10), null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> without.register("good-pool", java.util.List.of("pooled")))
                .hasMessageContaining("401");
    }

    private Http.Reply as(String token, String method, String path, String body) {
        Http http = new Http(port);
        HttpRequest.Builder b = HttpRequest.newBuilder(http.uri(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b);
    }

    private JsonNode node(String run) {
        return as(SecurityMatrixTest.READER, "GET", "/v0/runs/" + run + "/nodes/a", null).json().path("node");
    }

    @Test
    void onlyTheHoldingAgentFinishesItsNodeAndReadersNeverSeeTheClaimToken() {
        String run = as(SecurityMatrixTest.OPERATOR, "PUT", "/v0/runs",
                "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"flows\"}]}}").json().path("run").path("id").asString();
        assertThat(as(SecurityMatrixTest.AGENT, "PUT", "/v0/agents/good-1", "{\"runtimes\":[{\"name\":\"flows\"}]}").status()).isEqualTo(200);
        assertThat(as(SecurityMatrixTest.AGENT, "PUT", "/v0/agents/exact-one", "{\"runtimes\":[{\"name\":\"debug\"}]}").status()).isEqualTo(200);
        assertThat(as(SecurityMatrixTest.AGENT, "PUT", "/v0/agents/exact-one-more", "{\"runtimes\":[{\"name\":\"debug\"}]}").status())
                .as("an exact id is not a prefix").isEqualTo(403);
        Http.Reply claimed = as(SecurityMatrixTest.AGENT, "POST", "/v0/agents/good-1/claims", "{\"max\":1}");
        assertThat(claimed.status()).as(claimed.body()).isEqualTo(200);
        String token = claimed.json().path("claims").get(0).path("claim").path("id").asString();
        assertThat(token).isNotBlank();

        JsonNode seen = node(run);
        assertThat(seen.path("status").asString()).isEqualTo("RUNNING");
        assertThat(seen.toString()).as("a reader sees no claim token").doesNotContain(token);

        String finish = "{\"claim\":{\"id\":\"" + token + "\"},\"result\":{\"conclusion\":\"FAIL\"},\"agent_id\":\"good-1\"}";
        Http.Reply forged = as(SecurityMatrixTest.READER, "POST", "/v0/runs/" + run + "/nodes/a/finish", finish);
        assertThat(forged.status()).as("a reader's forged finish").isEqualTo(403);
        assertThat(forged.json().path("type").asString()).isEqualTo("https://adagio.dev/problems/forbidden");
        assertThat(as(SecurityMatrixTest.OPERATOR, "POST", "/v0/runs/" + run + "/nodes/a/finish", finish).status())
                .as("nor an operator's").isEqualTo(403);
        Http.Reply otherAgent = as(SecurityMatrixTest.AGENT, "POST", "/v0/runs/" + run + "/nodes/a/finish",
                finish.replace("good-1", "bad-1"));
        assertThat(otherAgent.status()).as("an agent id the token does not allow").isEqualTo(403);
        Http.Reply unnamed = as(SecurityMatrixTest.AGENT, "POST", "/v0/runs/" + run + "/nodes/a/finish",
                "{\"claim\":{\"id\":\"" + token + "\"},\"result\":{\"conclusion\":\"FAIL\"}}");
        assertThat(unnamed.status()).as("a finish that names no agent").isEqualTo(403);
        assertThat(unnamed.json().path("field").asString()).isEqualTo("agent_id");
        Http.Reply notHolder = as(SecurityMatrixTest.AGENT, "POST", "/v0/runs/" + run + "/nodes/a/finish",
                finish.replace("good-1", "exact-one"));
        assertThat(notHolder.status()).as("an agent the token allows, but not the claim's holder").isEqualTo(409);
        assertThat(notHolder.json().path("type").asString()).isEqualTo("https://adagio.dev/problems/stale-claim");
        assertThat(as(SecurityMatrixTest.AGENT, "POST", "/v0/agents/bad-1/finishes", "{\"finishes\":[]}").status())
                .as("the v2 finish of an agent the token does not allow").isEqualTo(403);
        assertThat(node(run).path("status").asString()).as("nothing changed").isEqualTo("RUNNING");
        assertThat(node(run).path("attempts")).isEmpty();

        Http.Reply real = as(SecurityMatrixTest.AGENT, "POST", "/v0/runs/" + run + "/nodes/a/finish",
                finish.replace("FAIL", "SUCCESS"));
        assertThat(real.status()).as(real.body()).isEqualTo(200);
        assertThat(as(SecurityMatrixTest.READER, "GET", "/v0/runs/" + run, null).json().path("run").path("outcome").asString())
                .isEqualTo("SUCCEEDED");
    }
}
