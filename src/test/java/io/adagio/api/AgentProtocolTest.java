package io.adagio.api;

import io.adagio.support.Http;
import io.adagio.support.SseClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent protocol over real HTTP and SSE, driven by hand as a foreign agent would (no built-in pool):
 * leases, claims, finishes, and the event stream's format, filtering, resumption and reset.
 */
@Timeout(120)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "adagio.mode=api", "adagio.leases.ttl=3s", "adagio.sse.heartbeat=300ms", "adagio.memory.history=20"})
class AgentProtocolTest {
    @LocalServerPort
    int port;
    Http http;
    final List<SseClient> streams = new ArrayList<>();

    @BeforeEach
    void client() {
        http = new Http(port);
    }

    @AfterEach
    void closeStreams() {
        streams.forEach(SseClient::close);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private String register(String agent, String... runtimes) {
        StringBuilder rs = new StringBuilder();
        for (String r : runtimes) {
            rs.append(rs.isEmpty() ? "" : ",").append("{\"name\":\"").append(r).append("\"}");
        }
        Http.Reply r = http.put("/v0/agents/" + agent, "{\"runtimes\":[" + rs + "]}");
        assertThat(r.status()).isEqualTo(200);
        return agent;
    }

    private String start(String runtime, String... names) {
        StringBuilder nodes = new StringBuilder();
        for (String n : names) {
            nodes.append(nodes.isEmpty() ? "" : ",").append("{\"name\":\"").append(n).append("\",\"runtime\":\"").append(runtime).append("\"}");
        }
        return http.put("/v0/runs", "{\"spec\":{\"nodes\":[" + nodes + "]}}").json().path("run").path("id").asString();
    }

    private String chain(String runtime) {
        return http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"" + runtime + "\"},{\"name\":\"b\",\"runtime\":\"" + runtime
                + "\"}],\"edges\":[{\"source\":\"a\",\"destination\":\"b\"}]}}").json().path("run").path("id").asString();
    }

    private Http.Reply claim(String run, String node, String agent) {
        return http.post("/v0/runs/" + run + "/nodes/" + node + "/claim", "{\"agent_id\":\"" + agent + "\"}");
    }

    private Http.Reply finish(String run, String node, String claim, String conclusion, String outputText) {
        return http.post("/v0/runs/" + run + "/nodes/" + node + "/finish", "{\"claim\":{\"id\":\"" + claim
                + "\"},\"result\":{\"conclusion\":\"" + conclusion + "\",\"output_text\":\"" + outputText + "\"}}");
    }

    private SseClient stream(String path, String lastEventId) {
        SseClient s = SseClient.open(http, path, lastEventId);
        streams.add(s);
        return s;
    }

    @Test
    void leasesRegisterRenewAndEnd() {
        String agent = unique("lease");
        Http.Reply r = http.put("/v0/agents/" + agent, "{\"runtimes\":[{\"name\":\"debug\"},{\"name\":\"exec\"}]}");
        assertThat(r.json().path("ttl_seconds").asLong()).isEqualTo(3);
        assertThat(http.get("/v0/agents").json().path("agents").findValuesAsString("id")).contains(agent);
        assertThat(http.post("/v0/agents/" + agent + "/heartbeat", "").status()).isEqualTo(200);
        assertThat(http.delete("/v0/agents/" + agent).status()).isEqualTo(204);
        assertThat(http.get("/v0/agents").json().path("agents").findValuesAsString("id")).doesNotContain(agent);
        Http.Reply gone = http.post("/v0/agents/" + agent + "/heartbeat", "");
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.problem()).isEqualTo("lease-not-found");
        Http.Reply none = http.put("/v0/agents/" + agent, "{\"runtimes\":[]}");
        assertThat(none.status()).isEqualTo(400);
    }

    @Test
    void aLeaseEndsWithoutHeartbeats() {
        String agent = register(unique("silent"), "debug");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                !http.get("/v0/agents").json().path("agents").findValuesAsString("id").contains(agent));
        assertThat(http.post("/v0/agents/" + agent + "/heartbeat", "").status()).isEqualTo(404);
    }

    @Test
    void claimAndFinishFollowTheRules() {
        String agent = register(unique("worker"), "proto");
        String other = register(unique("other"), "proto");
        String run = chain("proto");

        Http.Reply notReady = claim(run, "b", agent);
        assertThat(notReady.status()).isEqualTo(409);
        assertThat(notReady.problem()).isEqualTo("node-not-ready");

        Http.Reply won = claim(run, "a", agent);
        assertThat(won.status()).isEqualTo(200);
        assertThat(won.json().path("claimed").asBoolean()).isTrue();
        String claimId = won.json().path("claim").path("id").asString();
        assertThat(claimId).matches("[0-9A-HJKMNP-TV-Z]{26}");
        assertThat(won.json().path("node").path("status").asString()).isEqualTo("RUNNING");

        Http.Reply lost = claim(run, "a", other);
        assertThat(lost.status()).isEqualTo(200);
        assertThat(lost.json().path("claimed").asBoolean()).isFalse();
        assertThat(lost.json().has("node")).isFalse();

        Http.Reply stale = finish(run, "a", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "SUCCESS", "x");
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.problem()).isEqualTo("stale-claim");
        assertThat(http.get("/v0/runs/" + run + "/nodes/a").json().path("node").path("attempts")).isEmpty();

        Http.Reply done = finish(run, "a", claimId, "SUCCESS", "hello a");
        assertThat(done.status()).isEqualTo(200);
        assertThat(done.json().path("node").path("status").asString()).isEqualTo("COMPLETED");
        assertThat(finish(run, "a", claimId, "SUCCESS", "hello a").status()).as("identical repeat").isEqualTo(200);
        assertThat(http.get("/v0/runs/" + run + "/nodes/a").json().path("node").path("attempts")).hasSize(1);
        assertThat(finish(run, "a", claimId, "FAIL", "changed my mind").status()).isEqualTo(409);

        JsonNode b = claim(run, "b", other).json();
        assertThat(b.path("claimed").asBoolean()).isTrue();
        String input = b.path("node").path("inputs").path("a").asString();
        assertThat(new String(Base64.getDecoder().decode(input), StandardCharsets.UTF_8)).isEqualTo("hello a");

        Http.Reply base64 = http.post("/v0/runs/" + run + "/nodes/b/finish", "{\"claim\":{\"id\":\"" + b.path("claim").path("id").asString()
                + "\"},\"result\":{\"conclusion\":\"SUCCESS\",\"output\":\"" + Base64.getEncoder().encodeToString("bytes".getBytes()) + "\"}}");
        assertThat(base64.status()).isEqualTo(200);
        JsonNode runAfter = http.get("/v0/runs/" + run).json().path("run");
        assertThat(runAfter.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(runAfter.path("outcome").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void aParentWithoutOutputGivesItsChildAnEmptyInputShownAsSuch() {
        String agent = register(unique("empty"), "proto-empty");
        String run = chain("proto-empty");
        String claimId = claim(run, "a", agent).json().path("claim").path("id").asString();
        assertThat(http.post("/v0/runs/" + run + "/nodes/a/finish", "{\"claim\":{\"id\":\"" + claimId
                + "\"},\"result\":{\"conclusion\":\"SUCCESS\"}}").status()).isEqualTo(200);
        JsonNode b = http.get("/v0/runs/" + run + "/nodes/b").json().path("node");
        assertThat(b.path("status").asString()).isEqualTo("READY");
        assertThat(b.path("inputs").has("a")).as("the input is there: %s", b.path("inputs")).isTrue();
        assertThat(b.path("inputs").path("a").asString()).isEmpty();
    }

    @Test
    void onlyTheClaimerSeesTheTokenReadersSeeTheRequestIdAndMetadata() {
        String agent = register(unique("holder"), "proto");
        String run = start("proto", "named", "anonymous");
        Http.Reply named = http.post("/v0/runs/" + run + "/nodes/named/claim", "{\"agent_id\":\"" + agent
                + "\",\"claim\":{\"id\":\"my-request-1\",\"metadata\":{\"host\":{\"values\":[\"box-1\"]}}}}");
        String token = named.json().path("claim").path("id").asString();
        assertThat(token).matches("[0-9A-HJKMNP-TV-Z]{26}");
        assertThat(named.json().path("claim").path("metadata").path("host").path("values").get(0).asString())
                .isEqualTo("box-1");
        assertThat(named.json().path("node").path("claim").path("id").asString())
                .as("the node inside the answer reads as every reader sees it").isEqualTo("my-request-1");
        String anonymousToken = claim(run, "anonymous", agent).json().path("claim").path("id").asString();

        for (String read : List.of("/v0/runs/" + run, "/v0/runs/" + run + "/nodes/named", "/v0/runs?limit=10",
                "/v0/runs/" + run + "/nodes/anonymous")) {
            String body = http.get(read).body();
            assertThat(body).as(read).doesNotContain(token).doesNotContain(anonymousToken).doesNotContain("adagio.");
        }
        JsonNode claim = http.get("/v0/runs/" + run + "/nodes/named").json().path("node").path("claim");
        assertThat(claim.path("id").asString()).isEqualTo("my-request-1");
        assertThat(claim.path("metadata").path("host").path("values").get(0).asString()).isEqualTo("box-1");
        JsonNode anonymous = http.get("/v0/runs/" + run + "/nodes/anonymous").json().path("node").path("claim");
        assertThat(anonymous.has("id")).as("no request id, so no id at all").isFalse();
        assertThat(anonymous.path("metadata").isEmpty()).isTrue();

        Http.Reply byRequestId = finish(run, "named", "my-request-1", "FAIL", "not mine to finish");
        assertThat(byRequestId.status()).as("what a reader sees does not finish the node").isEqualTo(409);
        assertThat(byRequestId.problem()).isEqualTo("stale-claim");
        Http.Reply done = finish(run, "named", token, "SUCCESS", "mine");
        assertThat(done.status()).isEqualTo(200);
        assertThat(done.body()).doesNotContain(token);
    }

    @Test
    void readersSeeWhichAgentHoldsANodeHoweverItWasClaimedAndNoClaimerCanSayOtherwise() {
        String one = register(unique("holder"), "who");
        String two = register(unique("other"), "who");
        String run = http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"who\"},"
                + "{\"name\":\"b\",\"runtime\":\"who\"},{\"name\":\"c\",\"runtime\":\"who\"}],"
                + "\"edges\":[{\"source\":\"a\",\"destination\":\"b\"}]}}").json().path("run").path("id").asString();
        // v1, with metadata that tries to name another agent
        Http.Reply spoofed = http.post("/v0/runs/" + run + "/nodes/c/claim", "{\"agent_id\":\"" + two
                + "\",\"claim\":{\"metadata\":{\"adagio.agent_id\":{\"values\":[\"" + one + "\"]}}}}");
        assertThat(spoofed.status()).isEqualTo(200);
        assertThat(http.get("/v0/runs/" + run + "/nodes/c").json().path("node").path("claim").path("agent_id").asString())
                .isEqualTo(two);
        // v2 batch claim, then a finish that asks for the next node (claimed for it by the engine)
        Http.Reply batch = http.post("/v0/agents/" + one + "/claims", "{\"max\":1}");
        JsonNode won = batch.json().path("claims").get(0);
        assertThat(won.path("node").path("spec").path("name").asString()).isEqualTo("a");
        assertThat(http.get("/v0/runs/" + run + "/nodes/a").json().path("node").path("claim").path("agent_id").asString())
                .isEqualTo(one);
        Http.Reply finished = http.post("/v0/agents/" + one + "/finishes", "{\"next\":1,\"finishes\":[{\"run_id\":\"" + run
                + "\",\"node\":\"a\",\"claim\":{\"id\":\"" + won.path("claim").path("id").asString()
                + "\"},\"result\":{\"conclusion\":\"SUCCESS\"}}]}");
        assertThat(finished.status()).as(finished.body()).isEqualTo(200);
        JsonNode b = http.get("/v0/runs/" + run + "/nodes/b").json().path("node");
        assertThat(b.path("status").asString()).as("claimed for the finishing agent").isEqualTo("RUNNING");
        assertThat(b.path("claim").path("agent_id").asString()).isEqualTo(one);
        assertThat(http.get("/v0/runs/" + run).body()).doesNotContain("adagio.agent_id");
    }

    @Test
    void aFinishThatPrefersAMinimalReturnGetsItsOutcomesAndNextClaimsWithoutTheFinishedNodes() {
        String agent = register(unique("minimal"), "lean");
        String run = http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"lean\"},"
                + "{\"name\":\"b\",\"runtime\":\"lean\"},{\"name\":\"c\",\"runtime\":\"lean\"}],"
                + "\"edges\":[{\"source\":\"a\",\"destination\":\"b\"},{\"source\":\"b\",\"destination\":\"c\"}]}}")
                .json().path("run").path("id").asString();
        String token = claim(run, "a", agent).json().path("claim").path("id").asString();

        // v2 batch finish: the outcome and the next claim, no node echoed back
        Http.Reply batch = http.send(java.net.http.HttpRequest.newBuilder(http.uri("/v0/agents/" + agent + "/finishes"))
                .header("Content-Type", "application/json").header("Prefer", "return=minimal")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"next\":1,\"finishes\":[{\"run_id\":\""
                        + run + "\",\"node\":\"a\",\"claim\":{\"id\":\"" + token
                        + "\"},\"result\":{\"conclusion\":\"SUCCESS\",\"output_text\":\"from a\"}}]}")));
        assertThat(batch.status()).as(batch.body()).isEqualTo(200);
        assertThat(batch.header("Preference-Applied")).isEqualTo("return=minimal");
        JsonNode outcome = batch.json().path("results").get(0);
        assertThat(outcome.path("outcome").asString()).isEqualTo("finished");
        assertThat(outcome.has("finished")).as(batch.body()).isFalse();
        JsonNode next = batch.json().path("next").get(0);
        assertThat(next.path("node").path("spec").path("name").asString()).isEqualTo("b");
        assertThat(next.path("node").path("inputs").path("a").asString())
                .isEqualTo(Base64.getEncoder().encodeToString("from a".getBytes(StandardCharsets.UTF_8)));
        assertThat(http.get("/v0/runs/" + run + "/nodes/a").json().path("node").path("status").asString())
                .as("finished all the same").isEqualTo("COMPLETED");

        // v1 single finish: only the next claim
        Http.Reply single = http.send(java.net.http.HttpRequest.newBuilder(http.uri("/v0/runs/" + run + "/nodes/b/finish"))
                .header("Content-Type", "application/json").header("Prefer", "return=minimal")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"next\":1,\"agent_id\":\"" + agent
                        + "\",\"claim\":{\"id\":\""
                        + next.path("claim").path("id").asString() + "\"},\"result\":{\"conclusion\":\"SUCCESS\"}}")));
        assertThat(single.status()).as(single.body()).isEqualTo(200);
        assertThat(single.header("Preference-Applied")).isEqualTo("return=minimal");
        assertThat(single.json().has("node")).as(single.body()).isFalse();
        JsonNode c = single.json().path("next").get(0);
        assertThat(c.path("node").path("spec").path("name").asString()).isEqualTo("c");

        // without the preference, the finished node comes back as before
        Http.Reply full = finish(run, "c", c.path("claim").path("id").asString(), "SUCCESS", "done");
        assertThat(full.header("Preference-Applied")).isNull();
        assertThat(full.json().path("node").path("status").asString()).isEqualTo("COMPLETED");
        assertThat(http.get("/v0/runs/" + run).json().path("run").path("outcome").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void anOutputOverTheLimitIs413AndChangesNothingAndOneWithinItStillFinishes() {
        String agent = register(unique("big"), "proto");
        String run = start("proto", "a");
        String token = claim(run, "a", agent).json().path("claim").path("id").asString();
        String tooBig = "x".repeat(1024 * 1024 + 1);

        Http.Reply single = finish(run, "a", token, "SUCCESS", tooBig);
        assertThat(single.status()).isEqualTo(413);
        assertThat(single.problem()).isEqualTo("payload-too-large");
        assertThat(single.json().path("field").asString()).isEqualTo("result.output");
        assertThat(single.json().path("max_bytes").asLong()).isEqualTo(1024 * 1024);

        Http.Reply batch = http.post("/v0/agents/" + agent + "/finishes", "{\"finishes\":[{\"run_id\":\"" + run
                + "\",\"node\":\"a\",\"claim\":{\"id\":\"" + token + "\"},\"result\":{\"conclusion\":\"SUCCESS\","
                + "\"output_text\":\"" + tooBig + "\"}}]}");
        assertThat(batch.status()).as("a batch with one output too large is refused whole").isEqualTo(413);
        assertThat(batch.problem()).isEqualTo("payload-too-large");

        JsonNode a = http.get("/v0/runs/" + run + "/nodes/a").json().path("node");
        assertThat(a.path("status").asString()).isEqualTo("RUNNING");
        assertThat(a.path("attempts")).isEmpty();
        Http.Reply fits = finish(run, "a", token, "SUCCESS", "x".repeat(1024 * 1024));
        assertThat(fits.status()).isEqualTo(200);
        assertThat(fits.json().path("node").path("status").asString()).isEqualTo("COMPLETED");
    }

    @Test
    void claimsAndFinishesRejectBadRequests() {
        String agent = register(unique("strict"), "proto");
        String run = start("proto", "a");
        Http.Reply unknownRun = claim("01ARZ3NDEKTSV4RRFFQ69G5FAV", "a", agent);
        assertThat(unknownRun.status()).isEqualTo(404);
        assertThat(unknownRun.problem()).isEqualTo("run-not-found");
        assertThat(claim(run, "zz", agent).problem()).isEqualTo("node-not-found");
        Http.Reply noLease = claim(run, "a", "ghost-agent");
        assertThat(noLease.status()).isEqualTo(409);
        assertThat(noLease.problem()).isEqualTo("agent-not-registered");
        assertThat(http.post("/v0/runs/" + run + "/nodes/a/claim", "{}").status()).isEqualTo(400);
        String claimId = claim(run, "a", agent).json().path("claim").path("id").asString();
        Http.Reply badConclusion = finish(run, "a", claimId, "MAYBE", "");
        assertThat(badConclusion.status()).isEqualTo(400);
        assertThat(badConclusion.problem()).isEqualTo("invalid-request");
        assertThat(http.post("/v0/runs/" + run + "/nodes/a/finish", "{\"result\":{\"conclusion\":\"SUCCESS\"}}").status()).isEqualTo(400);
        assertThat(http.get("/v0/runs/" + run + "/nodes/a").json().path("node").path("status").asString()).isEqualTo("RUNNING");
    }

    @Test
    void theStreamSendsTheCurrentSetThenLiveEventsForTheAgentsRuntimesOnly() {
        String runtime = unique("rt");
        String before = start(runtime, "early");
        start(unique("someone-else"), "not-mine");
        SseClient s = stream("/v0/agents/" + unique("listener") + "/events?runtime=" + runtime, null);
        assertThat(s.response().statusCode()).isEqualTo(200);
        assertThat(s.response().headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        assertThat(s.response().headers().firstValue("Cache-Control").orElse("")).contains("no-cache");
        assertThat(s.response().headers().firstValue("X-Accel-Buffering").orElse("")).isEqualTo("no");
        await().atMost(Duration.ofSeconds(5)).until(() -> !s.of("NODE_READY").isEmpty());
        SseClient.Message first = s.of("NODE_READY").get(0);
        JsonNode data = Http.tree(first.data());
        assertThat(data.path("type").asString()).isEqualTo("NODE_READY");
        assertThat(data.path("run_id").asString()).isEqualTo(before);
        assertThat(data.path("node_spec").path("name").asString()).isEqualTo("early");
        assertThat(first.id()).as("the current set's last event carries the position").isNotBlank();
        assertThat(s.retries).isNotEmpty();

        String live = start(runtime, "later");
        await().atMost(Duration.ofSeconds(5)).until(() -> s.of("NODE_READY").size() == 2);
        SseClient.Message second = s.of("NODE_READY").get(1);
        assertThat(Http.tree(second.data()).path("run_id").asString()).isEqualTo(live);
        assertThat(second.id()).matches("\\d+\\.\\d+");
        assertThat(s.messages).noneMatch(m -> m.data() != null && m.data().contains("not-mine"));
        await().atMost(Duration.ofSeconds(5)).until(() -> s.comments.contains("keep-alive"));
    }

    @Test
    void aFrozenAgentIsOrphanedOneTtlAfterItsLastCallThoughItsStreamIsReadAndItsLateFinishIsFenced() {
        String runtime = unique("frozen");
        String agent = unique("frozen");
        // the agent's stream stays open and is read to the end (a stopped process's kernel still takes the bytes)
        SseClient s = stream("/v0/agents/" + agent + "/events?runtime=" + runtime, null);
        assertThat(s.response().headers().firstValue("Adagio-Keep-Alive")).as("the keep-alive interval, ms").hasValue("300");
        String watcher = register(unique("watcher"), runtime);
        SseClient watching = stream("/v0/agents/" + watcher + "/events?type=NODE_ORPHANED", null);
        String run = start(runtime, "n");
        Http.Reply won = claim(run, "n", agent);
        assertThat(won.json().path("claimed").asBoolean()).isTrue();
        long lastCall = System.nanoTime();
        String claimId = won.json().path("claim").path("id").asString();

        await().atMost(Duration.ofSeconds(3 + 2)).until(() -> !watching.of("NODE_ORPHANED").isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - lastCall)).as("orphaned one TTL after its last call, not before")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(s.comments).as("its stream got keep-alives all along").hasSizeGreaterThanOrEqualTo(5);
        assertThat(http.get("/v0/agents").json().path("agents").findValuesAsString("id")).doesNotContain(agent);

        Http.Reply late = finish(run, "n", claimId, "SUCCESS", "zombie");
        assertThat(late.status()).as("the frozen agent's late finish is fenced").isEqualTo(409);
        assertThat(late.problem()).isEqualTo("stale-claim");
        JsonNode node = http.get("/v0/runs/" + run + "/nodes/n").json().path("node");
        assertThat(node.path("status").asString()).isEqualTo("NONE");
        assertThat(node.path("attempts")).as("no zombie write landed").isEmpty();

        // its new holder (whose lease ended too meanwhile: it made no call either) finishes it
        register(watcher, runtime);
        Http.Reply again = claim(run, "n", watcher);
        assertThat(again.json().path("claimed").asBoolean()).isTrue();
        assertThat(finish(run, "n", again.json().path("claim").path("id").asString(), "SUCCESS", "ok").status()).isEqualTo(200);
        assertThat(http.get("/v0/runs/" + run).json().path("run").path("outcome").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void theLeaseSaysHowOftenToCallAndConnectingRenewsIt() {
        String agent = unique("caller");
        Http.Reply r = http.put("/v0/agents/" + agent, "{\"runtimes\":[{\"name\":\"debug\"}]}");
        assertThat(r.json().path("heartbeat_interval_ms").asLong()).as("a third of the 3 s TTL").isEqualTo(1000);
        assertThat(http.post("/v0/agents/" + agent + "/heartbeat", "").json().path("heartbeat_interval_ms").asLong()).isEqualTo(1000);
        // calls within the interval keep it, a stream opened without runtime= being one of them: each stream
        // is held for three keep-alives (~0.9 s), for twice the TTL in all
        long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        for (int call = 0; System.nanoTime() < until; call++) {
            SseClient s = stream("/v0/agents/" + agent + "/events", null);
            assertThat(s.response().statusCode()).as("call %d", call).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> s.comments.size() >= 3);
            s.close();
        }
        assertThat(http.get("/v0/agents").json().path("agents").findValuesAsString("id")).contains(agent);
    }

    @Test
    void aStreamWithoutRuntimesNeedsARegisteredAgent() {
        SseClient s = stream("/v0/agents/" + unique("unknown") + "/events", null);
        assertThat(s.response().statusCode()).isEqualTo(404);
        String agent = register(unique("known"), "debug");
        SseClient ok = stream("/v0/agents/" + agent + "/events?type=NODE_ORPHANED", null);
        assertThat(ok.response().statusCode()).isEqualTo(200);
        assertThat(stream("/v0/agents/" + agent + "/events?type=NODE_BORED", null).response().statusCode()).isEqualTo(400);
        assertThat(stream("/v0/agents/" + agent + "/events", "not-a-cursor").response().statusCode()).isEqualTo(400);
    }

    @Test
    void reconnectingWithLastEventIdDeliversExactlyTheMissedEvents() {
        String runtime = unique("resume");
        String agent = unique("resumer");
        SseClient first = stream("/v0/agents/" + agent + "/events?runtime=" + runtime, null);
        String one = start(runtime, "one");
        await().atMost(Duration.ofSeconds(5)).until(() -> first.of("NODE_READY").size() == 1);
        String lastSeen = first.lastEventId();
        first.close();

        String two = start(runtime, "two");
        String three = start(runtime, "three-a", "three-b");
        SseClient resumed = stream("/v0/agents/" + agent + "/events?runtime=" + runtime, lastSeen);
        await().atMost(Duration.ofSeconds(5)).until(() -> resumed.of("NODE_READY").size() >= 3);
        String four = start(runtime, "four");
        await().atMost(Duration.ofSeconds(5)).until(() -> resumed.of("NODE_READY").size() >= 4);
        List<String> got = resumed.of("NODE_READY").stream()
                .map(m -> Http.tree(m.data()).path("run_id").asString() + "/" + Http.tree(m.data()).path("node_spec").path("name").asString())
                .toList();
        assertThat(got).containsExactly(two + "/two", three + "/three-a", three + "/three-b", four + "/four");
        assertThat(resumed.of("RESET")).isEmpty();
        assertThat(got).doesNotContain(one + "/one");
    }

    @Test
    void aCursorTooOldGetsResetAndTheCurrentSet() {
        String runtime = unique("old");
        String agent = unique("sleeper");
        SseClient first = stream("/v0/agents/" + agent + "/events?runtime=" + runtime, null);
        String kept = start(runtime, "kept");
        await().atMost(Duration.ofSeconds(5)).until(() -> first.of("NODE_READY").size() == 1);
        String lastSeen = first.lastEventId();
        first.close();
        for (int i = 0; i < 30; i++) {
            start(unique("noise"), "n");   // push the agent's cursor out of the 20-event history
        }
        SseClient resumed = stream("/v0/agents/" + agent + "/events?runtime=" + runtime, lastSeen);
        await().atMost(Duration.ofSeconds(5)).until(() -> !resumed.of("RESET").isEmpty() && !resumed.of("NODE_READY").isEmpty());
        assertThat(resumed.messages.get(0).event()).isEqualTo("RESET");
        assertThat(Http.tree(resumed.of("NODE_READY").get(0).data()).path("run_id").asString()).isEqualTo(kept);
        String after = start(runtime, "after");
        await().atMost(Duration.ofSeconds(5)).until(() -> resumed.of("NODE_READY").size() == 2);
        assertThat(Http.tree(resumed.of("NODE_READY").get(1).data()).path("run_id").asString()).isEqualTo(after);
    }

    @Test
    void unserviceableRuntimesAreWarnedAbout() {
        Http.Reply r = http.put("/v0/runs", "{\"spec\":{\"nodes\":[{\"name\":\"a\",\"runtime\":\"dbeug\"}]}}");
        assertThat(r.json().path("warnings").get(0).asString()).contains("dbeug", "a");
        String id = r.json().path("run").path("id").asString();
        assertThat(http.get("/v0/runs/" + id).json().path("warnings").get(0).asString()).contains("dbeug");
        register(unique("fixer"), "dbeug");
        assertThat(http.get("/v0/runs/" + id).json().has("warnings")).isFalse();
    }
}
