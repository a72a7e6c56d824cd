package io.adagio.agent.http;

import io.adagio.agent.ControlPlane;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.Result;
import tools.jackson.databind.json.JsonMapper;

import io.adagio.agent.http.JsonHttp.Answer;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The agent pool's port over the public API ({@link JsonHttp}: blocking calls on a pool of kept-alive
 * connections): register, heartbeat, unregister, claim, finish, the batch claims and finishes of protocol v2
 * ({@code POST /v0/agents/{id}/claims} and {@code …/finishes}) and the SSE event stream. Anything that is not an
 * answer from the control plane (I/O errors, 5xx) is {@link ControlPlane.Unavailable} (one whose connection was
 * never made says so: nothing was sent); the caller retries. One per agent.
 */
public final class HttpControlPlane implements ControlPlane {
    /** The stream's response header saying how often it gets a keep-alive, in milliseconds. */
    static final String KEEP_ALIVE_HEADER = "Adagio-Keep-Alive";
    private static final long DEFAULT_KEEP_ALIVE_MS = 15_000;
    /** RFC 7240: a finish need not send back the nodes it finished (the agent reads outcomes and next claims). */
    private static final Map<String, String> RETURN_MINIMAL = Map.of("Prefer", "return=minimal");
    /** Watches every followed stream of the process for silence. */
    private static final ScheduledExecutorService WATCH = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "adagio-agent-stream-watch");
        t.setDaemon(true);
        return t;
    });
    private final JsonHttp http;
    private final JsonMapper json;
    private final Duration timeout;
    /** The event streams being followed now. */
    private final Set<JsonHttp.Lines> open = ConcurrentHashMap.newKeySet();
    /** A heartbeat's deadline: a third of the lease TTL once registering told it (so a lost one can be retried). */
    private volatile Duration heartbeatTimeout;

    public HttpControlPlane(URI base, JsonMapper json, Duration timeout) {
        this(base, json, timeout, null);
    }

    /**
     * @param token the bearer token sent with every call (a control plane with {@code adagio.security.tokens});
     *              null or empty: none
     */
    public HttpControlPlane(URI base, JsonMapper json, Duration timeout, String token) {
        this.http = new JsonHttp(base, timeout, token == null || token.isBlank() ? null : "Bearer " + token.trim());
        this.json = json;
        this.timeout = timeout;
        this.heartbeatTimeout = timeout;
    }

    @Override
    public long register(String agentId, List<String> runtimes) throws Unavailable {
        Map<String, Object> body = Map.of("runtimes", runtimes.stream().map(r -> Map.of("name", r)).toList());
        Answer r = send("PUT", "/v0/agents/" + seg(agentId), body, timeout);
        expectOk(r, "register");
        long ttl = json.readTree(r.body()).path("ttl_seconds").asLong(10);
        Duration third = Duration.ofSeconds(ttl).dividedBy(3);
        heartbeatTimeout = third.isZero() || third.compareTo(timeout) > 0 ? timeout : third;
        return ttl;
    }

    @Override
    public boolean heartbeat(String agentId) throws Unavailable {
        Answer r = send("POST", "/v0/agents/" + seg(agentId) + "/heartbeat", null, heartbeatTimeout);
        if (r.status() == 404) {
            return false;
        }
        expectOk(r, "heartbeat");
        return true;
    }

    @Override
    public void unregister(String agentId) throws Unavailable {
        Answer r = send("DELETE", "/v0/agents/" + seg(agentId), null, timeout);
        if (r.status() >= 500) {
            throw new Unavailable("unregister answered " + r.status(), null);
        }
    }

    @Override
    public ClaimReply claim(String runId, String node, String agentId, String requestId) throws Unavailable {
        Map<String, Object> body = Map.of("agent_id", agentId, "claim", Map.of("id", requestId));
        Answer r = send("POST", nodePath(runId, node) + "/claim", body, timeout);
        if (r.status() == 200) {
            Answers.ClaimAnswer a = json.readValue(r.body(), Answers.ClaimAnswer.class);
            return a.claimed() ? a.claimedIn(runId) : new ClaimReply.NotClaimed();
        }
        String type = problemType(r);
        if (r.status() == 409 && type.endsWith("/agent-not-registered")) {
            return new ClaimReply.NotRegistered();
        }
        if (r.status() >= 500) {
            throw new Unavailable("claim answered " + r.status() + " " + type, null);
        }
        return new ClaimReply.Refused(type);
    }

    @Override
    public Finish finish(String runId, String node, String agentId, String claimId, Result result, int next)
            throws Unavailable {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("claim", Map.of("id", claimId));
        body.put("result", resultBody(result));
        body.put("agent_id", agentId);
        if (next > 0) {
            body.put("next", next);
        }
        Answer r = send("POST", nodePath(runId, node) + "/finish", body, timeout, RETURN_MINIMAL);
        if (r.status() == 200) {
            return new Finish(true, Answers.claimed(json.readValue(r.body(), Answers.Finish.class).next(), runId));
        }
        if (r.status() >= 500) {
            throw new Unavailable("finish answered " + r.status(), null);
        }
        return new Finish(false, List.of());
    }

    @Override
    public List<ClaimReply.Claimed> claimBatch(String agentId, int max, Duration wait, String requestId)
            throws Unavailable, NotRegistered, InterruptedException {
        Map<String, Object> body = requestId == null ? Map.of("max", max, "wait", wait.toMillis() + "ms")
                : Map.of("max", max, "wait", wait.toMillis() + "ms", "request_id", requestId);
        Answer r = sendInterruptibly("POST", "/v0/agents/" + seg(agentId) + "/claims", body, timeout.plus(wait));
        return Answers.claimed(batchAnswer(r, agentId, "claims", Answers.Claims.class).claims(), null);
    }

    @Override
    public List<ClaimReply.Claimed> claimedFor(String agentId, String requestId)
            throws Unavailable, NotRegistered, InterruptedException {
        Answer r = sendInterruptibly("GET", "/v0/agents/" + seg(agentId) + "/claims?request_id="
                + URLEncoder.encode(requestId, StandardCharsets.UTF_8), null, timeout);
        return Answers.claimed(batchAnswer(r, agentId, "claims", Answers.Claims.class).claims(), null);
    }

    @Override
    public Finishes finishBatch(String agentId, List<Finishing> finishes, int next)
            throws Unavailable, NotRegistered, Refused, InterruptedException {
        List<Map<String, Object>> items = new ArrayList<>(finishes.size());
        for (Finishing f : finishes) {
            items.add(Map.of("run_id", f.runId(), "node", f.node(), "claim", Map.of("id", f.claimId()),
                    "result", resultBody(f.result())));
        }
        Map<String, Object> body = Map.of("finishes", items, "next", next);
        Answer r = sendInterruptibly("POST", "/v0/agents/" + seg(agentId) + "/finishes", body, timeout, RETURN_MINIMAL);
        if (r.status() / 100 == 4 && r.status() != 409) {
            throw new Refused(problemType(r), "finishes answered " + r.status() + ": " + r.body());
        }
        Answers.Finishes answer = batchAnswer(r, agentId, "finishes", Answers.Finishes.class);
        List<Outcome> outcomes = new ArrayList<>(finishes.size());
        for (Answers.Outcome o : answer.results() == null ? List.<Answers.Outcome>of() : answer.results()) {
            outcomes.add(switch (o == null || o.outcome() == null ? "" : o.outcome()) {
                case "finished" -> Outcome.FINISHED;
                case "stale" -> Outcome.STALE;
                case "not_found" -> Outcome.NOT_FOUND;
                default -> throw new Unavailable("finishes answered an unknown outcome: " + o, null);
            });
        }
        if (outcomes.size() != finishes.size()) {
            throw new Unavailable("finishes answered " + outcomes.size() + " outcomes for " + finishes.size(), null);
        }
        List<Cancelled> cancelled = new ArrayList<>();
        if (answer.cancelled() != null) {
            for (Answers.Cancelled c : answer.cancelled()) {
                cancelled.add(new Cancelled(c.runId(), c.node(), c.claimId()));
            }
        }
        return new Finishes(outcomes, Answers.claimed(answer.next(), null), cancelled);
    }

    /** The body of a batch call's 200; 409 is {@link NotRegistered}, 400 a caller's bug, the rest unavailable. */
    private <T> T batchAnswer(Answer r, String agentId, String call, Class<T> answer) throws Unavailable, NotRegistered {
        if (r.status() == 200) {
            return json.readValue(r.body(), answer);
        }
        String type = problemType(r);
        if (r.status() == 409 && type.endsWith("/agent-not-registered")) {
            throw new NotRegistered(agentId);
        }
        if (r.status() == 400) {
            throw new IllegalArgumentException(call + " refused: " + r.body());
        }
        throw new Unavailable(call + " answered " + r.status() + " " + type, null);
    }

    private static Map<String, Object> resultBody(Result result) {
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("conclusion", result.conclusion().name());
        if (result.output() != null) {
            res.put("output", result.output());
        }
        if (!result.metadata().isEmpty()) {
            res.put("metadata", result.metadata());
        }
        return res;
    }

    /**
     * Reads the agent's SSE stream (registering it with its runtimes) until it ends. A stream silent for more
     * than twice its keep-alive interval (the {@code Adagio-Keep-Alive} header; 15 s when absent) is dead —
     * the peer is gone without a reset, or a proxy holds it — and is closed: {@link Unavailable}, follow again.
     */
    @Override
    public void follow(String agentId, List<String> runtimes, String lastPosition, Listener listener)
            throws Unavailable, InterruptedException {
        JsonHttp.Lines lines = events(agentId, runtimes, lastPosition);
        long keepAliveMs = keepAliveMs(lines.header(KEEP_ALIVE_HEADER));
        Silence silence = new Silence(lines, Math.max(1, keepAliveMs) * 2);
        open.add(lines);
        try (lines) {
            SseParser parser = new SseParser(lastPosition, m -> deliver(m, listener), ms -> { });
            String reported = lastPosition;
            for (String line = lines.next(); line != null; line = lines.next()) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
                silence.heard();
                parser.line(line);
                // a block without data (the position after an empty current set) moves the position too,
                // once it is complete
                if (line.isEmpty() && parser.lastEventId() != null && !parser.lastEventId().equals(reported)) {
                    reported = parser.lastEventId();
                    listener.onPosition(reported);
                }
            }
            if (silence.broken()) {
                throw new Unavailable("event stream silent for over " + silence.limitMs + " ms", null);
            }
        } catch (IOException | RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
            throw new Unavailable((silence.broken() ? "event stream silent for over " + silence.limitMs + " ms: " : "event stream: ") + e, e);
        } finally {
            silence.stop();
            open.remove(lines);
        }
    }

    private static long keepAliveMs(String header) {
        try {
            return header == null ? DEFAULT_KEEP_ALIVE_MS : Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return DEFAULT_KEEP_ALIVE_MS;
        }
    }

    /** Watches a stream for silence, and closes it when nothing was read for longer than the limit. */
    private static final class Silence {
        private final JsonHttp.Lines lines;
        private final long limitMs;
        private volatile ScheduledFuture<?> check;
        private volatile long lastHeard = System.nanoTime();
        private volatile boolean broken;

        Silence(JsonHttp.Lines lines, long limitMs) {
            this.lines = lines;
            this.limitMs = limitMs;
            long every = Math.max(10, limitMs / 4);
            this.check = WATCH.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
        }

        void heard() {
            lastHeard = System.nanoTime();
        }

        boolean broken() {
            return broken;
        }

        private void check() {
            if (check != null && System.nanoTime() - lastHeard > TimeUnit.MILLISECONDS.toNanos(limitMs)) {
                broken = true;
                check.cancel(false);
                lines.abort();
            }
        }

        void stop() {
            check.cancel(false);
        }
    }

    /** Ends every {@link #follow} in progress (a blocked read is not interruptible). */
    @Override
    public void endFollows() {
        for (JsonHttp.Lines s : List.copyOf(open)) {
            s.abort();
        }
    }

    /** Ends every follow and every call in flight (they fail as unavailable), and the connections. */
    @Override
    public void close() {
        endFollows();
        http.close();
    }

    private void deliver(SseParser.Message m, Listener listener) {
        switch (m.event()) {
            case "RESET" -> listener.onReset(m.lastEventId());
            case "NODE_READY", "NODE_ORPHANED", "NODE_CANCELLED" -> {
                Event e = json.readValue(m.data(), Event.class);
                listener.onEvent(e.type() != null ? e
                        : new Event(EventType.valueOf(m.event()), e.runId(), e.nodeSpec(), e.agentId(), e.claimId()),
                        m.lastEventId());
            }
            default -> {
                if (m.lastEventId() != null) {
                    listener.onPosition(m.lastEventId());
                }
            }
        }
    }

    private JsonHttp.Lines events(String agentId, List<String> runtimes, String lastEventId)
            throws Unavailable {
        String query = runtimes.stream().map(r -> "runtime=" + URLEncoder.encode(r, StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        try {
            JsonHttp.Lines lines = http.open("/v0/agents/" + seg(agentId) + "/events?" + query, "text/event-stream",
                    lastEventId == null ? Map.of() : Map.of("Last-Event-ID", lastEventId));
            if (lines.status() != 200) {
                lines.close();
                throw new Unavailable("event stream answered " + lines.status(), null);
            }
            return lines;
        } catch (JsonHttp.NotSent e) {
            throw Unavailable.notSent("event stream: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new Unavailable("event stream: " + e, e);
        }
    }

    /**
     * Sends {@code body} as JSON (null: none); an I/O failure is unavailable, and one that never made a
     * connection says nothing was sent. Sent whether or not the calling thread is interrupted (a stopping
     * agent still unregisters).
     */
    private Answer send(String method, String path, Object body, Duration within) throws Unavailable {
        return send(method, path, body, within, Map.of());
    }

    private Answer send(String method, String path, Object body, Duration within, Map<String, String> headers)
            throws Unavailable {
        try {
            return http.send(method, path, body == null ? null : json.writeValueAsBytes(body), within, headers);
        } catch (JsonHttp.NotSent e) {
            throw Unavailable.notSent(e.getMessage(), e);
        } catch (IOException e) {
            throw new Unavailable(e.toString(), e);
        }
    }

    /**
     * As {@link #send}, for the calls a stopping agent gives up: an interrupted thread sends nothing, and a call
     * {@link #close} aborted while its thread was interrupted is an interruption.
     */
    private Answer sendInterruptibly(String method, String path, Object body, Duration within)
            throws Unavailable, InterruptedException {
        return sendInterruptibly(method, path, body, within, Map.of());
    }

    private Answer sendInterruptibly(String method, String path, Object body, Duration within,
                                     Map<String, String> headers) throws Unavailable, InterruptedException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException();
        }
        try {
            return send(method, path, body, within, headers);
        } catch (Unavailable e) {
            if (e.getCause() instanceof JsonHttp.Aborted && Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
            throw e;
        }
    }

    private static void expectOk(Answer r, String call) throws Unavailable {
        if (r.status() / 100 != 2) {
            throw new Unavailable(call + " answered " + r.status() + ": " + r.body(), null);
        }
    }

    private String problemType(Answer r) {
        try {
            return json.readTree(r.body()).path("type").asString("");
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static String nodePath(String runId, String node) {
        return "/v0/runs/" + seg(runId) + "/nodes/" + seg(node);
    }

    private static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
