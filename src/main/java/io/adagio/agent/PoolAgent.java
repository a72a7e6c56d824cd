package io.adagio.agent;

import io.adagio.agent.runtime.NodeRuntime;
import io.adagio.agent.runtime.Task;
import io.adagio.model.Conclusion;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.Result;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import tools.jackson.databind.json.JsonMapper;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * One agent of the pool: holds an event stream open (reconnecting with {@code Last-Event-ID} and jittered
 * backoff), keeps the latest hint per node, and runs one node at a time: claim, run its runtime, finish.
 * A NODE_ORPHANED hint is claimed and finished ERROR "node was orphaned" without running the work, as the
 * original does; the retry rules then decide whether it runs again.
 */
final class PoolAgent {
    private static final Logger log = LoggerFactory.getLogger(PoolAgent.class);
    static final String ORPHANED = "node was orphaned";

    private final String id;
    private final ControlPlaneClient client;
    private final Map<String, NodeRuntime> runtimes;
    private final JsonMapper json;
    private final Backoff streamBackoff;
    private final Backoff callBackoff;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition hinted = lock.newCondition();
    private final LinkedHashMap<String, Hint> hints = new LinkedHashMap<>();
    private volatile boolean running;
    private volatile boolean busy;
    private volatile Stream<String> stream;
    private volatile String lastEventId;
    private Thread reader;
    private Thread worker;

    private record Hint(EventType type, String runId, NodeSpec spec) {
    }

    PoolAgent(String id, ControlPlaneClient client, Map<String, NodeRuntime> runtimes, JsonMapper json,
              Duration backoffMin, Duration backoffMax) {
        this.id = id;
        this.client = client;
        this.runtimes = Map.copyOf(runtimes);
        this.json = json;
        this.streamBackoff = new Backoff(backoffMin, backoffMax);
        this.callBackoff = new Backoff(backoffMin, backoffMax);
    }

    String id() {
        return id;
    }

    List<String> runtimeNames() {
        return runtimes.keySet().stream().sorted().toList();
    }

    void start() {
        running = true;
        reader = new Thread(this::readEvents, "adagio-agent-" + id + "-events");
        worker = new Thread(this::work, "adagio-agent-" + id);
        reader.setDaemon(true);
        worker.setDaemon(true);
        reader.start();
        worker.start();
    }

    /** Renews the lease; registers again when it is gone. */
    void heartbeat() {
        try {
            if (!client.heartbeat(id)) {
                client.register(id, runtimeNames());
            }
        } catch (ControlPlaneClient.Unavailable e) {
            log.debug("agent {}: heartbeat failed: {}", id, e.getMessage());
        }
    }

    /**
     * Stops claiming, lets the node in hand finish for up to {@code grace}, then unregisters: a node still
     * running is released (orphaned) for another agent to recover.
     */
    void stop(Duration grace) {
        running = false;
        Stream<String> s = stream;
        if (s != null) {
            s.close();
        }
        reader.interrupt();
        if (!busy) {
            worker.interrupt();
        }
        try {
            worker.join(grace.toMillis());
            if (worker.isAlive()) {
                worker.interrupt();
                worker.join(500);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            client.unregister(id);
        } catch (ControlPlaneClient.Unavailable e) {
            log.debug("agent {}: unregister failed: {}", id, e.getMessage());
        }
    }

    // ---- events -------------------------------------------------------------------------------------------

    private void readEvents() {
        while (running) {
            try {
                HttpResponse<Stream<String>> r = client.events(id, runtimeNames(), lastEventId);
                stream = r.body();
                if (!running) {
                    stream.close();
                    return;
                }
                streamBackoff.reset();
                log.debug("agent {}: event stream open (after {})", id, lastEventId);
                SseParser parser = new SseParser(lastEventId, this::onMessage, ms -> { });
                Iterator<String> lines = stream.iterator();
                while (running && lines.hasNext()) {
                    parser.line(lines.next());
                    lastEventId = parser.lastEventId();
                }
            } catch (ControlPlaneClient.Unavailable | RuntimeException e) {
                if (running) {
                    log.debug("agent {}: event stream lost: {}", id, e.toString());
                }
            } finally {
                Stream<String> s = stream;
                if (s != null) {
                    s.close();
                }
            }
            if (running) {
                pause(streamBackoff.next());
            }
        }
    }

    private void onMessage(SseParser.Message m) {
        lastEventId = m.lastEventId();
        if ("RESET".equals(m.event())) {
            log.info("agent {}: event history was lost; the current set follows", id);
            lock.lock();
            try {
                hints.clear();
            } finally {
                lock.unlock();
            }
            return;
        }
        if (!"NODE_READY".equals(m.event()) && !"NODE_ORPHANED".equals(m.event())) {
            return;
        }
        Event e = json.readValue(m.data(), Event.class);
        if (!runtimes.containsKey(e.nodeSpec().runtime())) {
            return;
        }
        lock.lock();
        try {
            String key = e.runId() + "\u0000" + e.nodeSpec().name();
            hints.remove(key);
            hints.put(key, new Hint(e.type(), e.runId(), e.nodeSpec()));
            hinted.signal();
        } finally {
            lock.unlock();
        }
    }

    // ---- work ---------------------------------------------------------------------------------------------

    private void work() {
        while (running) {
            Hint hint;
            try {
                hint = take();
            } catch (InterruptedException e) {
                return;
            }
            if (hint == null) {
                continue;
            }
            busy = true;
            try {
                handle(hint);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("agent {}: failed handling node {} of run {}", id, hint.spec().name(), hint.runId(), e);
            } finally {
                busy = false;
            }
        }
    }

    /** A hint, chosen at random among the oldest few, so agents that share hints rarely collide. */
    private Hint take() throws InterruptedException {
        lock.lock();
        try {
            while (hints.isEmpty()) {
                if (!running) {
                    return null;
                }
                hinted.await(1, TimeUnit.SECONDS);
            }
            int pick = ThreadLocalRandom.current().nextInt(Math.min(hints.size(), 8));
            Iterator<Map.Entry<String, Hint>> it = hints.entrySet().iterator();
            for (int i = 0; i < pick; i++) {
                it.next();
            }
            Hint h = it.next().getValue();
            it.remove();
            return h;
        } finally {
            lock.unlock();
        }
    }

    private void handle(Hint hint) throws InterruptedException {
        String node = hint.spec().name();
        MDC.put("run_id", hint.runId());
        MDC.put("node", node);
        try {
            ControlPlaneClient.ClaimReply reply = claim(hint);
            if (!(reply instanceof ControlPlaneClient.ClaimReply.Claimed claimed)) {
                return;
            }
            Result result;
            if (hint.type() == EventType.NODE_ORPHANED) {
                log.info("agent {}: recovering orphaned node {} of run {}", id, node, hint.runId());
                result = Result.of(Conclusion.ERROR, ORPHANED);
            } else {
                result = run(hint, claimed.node());
                if (result == null) {
                    return; // shutting down: the node is released when the agent unregisters
                }
            }
            finish(hint, claimed.claim().id(), result);
        } finally {
            MDC.remove("run_id");
            MDC.remove("node");
        }
    }

    private ControlPlaneClient.ClaimReply claim(Hint hint) throws InterruptedException {
        for (int attempt = 0; running; attempt++) {
            try {
                ControlPlaneClient.ClaimReply r = client.claim(hint.runId(), hint.spec().name(), id);
                if (r instanceof ControlPlaneClient.ClaimReply.NotRegistered && attempt == 0) {
                    client.register(id, runtimeNames());
                    continue;
                }
                callBackoff.reset();
                return r;
            } catch (ControlPlaneClient.Unavailable e) {
                if (attempt >= 5) {
                    log.warn("agent {}: giving up claiming {}: {}", id, hint.spec().name(), e.getMessage());
                    return new ControlPlaneClient.ClaimReply.Refused("unavailable");
                }
                sleep(callBackoff.next());
            }
        }
        return new ControlPlaneClient.ClaimReply.Refused("stopping");
    }

    /** Runs the node; null when interrupted by shutdown. */
    private Result run(Hint hint, Node node) {
        NodeRuntime runtime = runtimes.get(hint.spec().runtime());
        try {
            Result r = runtime.run(Task.of(hint.runId(), node.spec(), node.inputs(), node.attempts()));
            return r == null ? Result.of(Conclusion.ERROR, "runtime " + runtime.name() + " returned no result") : r;
        } catch (InterruptedException e) {
            if (!running) {
                return null;
            }
            Thread.currentThread().interrupt();
            return Result.of(Conclusion.ERROR, "interrupted");
        } catch (Exception | StackOverflowError e) {
            log.info("agent {}: node {} of run {} crashed: {}", id, hint.spec().name(), hint.runId(), e.toString());
            return Result.of(Conclusion.ERROR, String.valueOf(e.getMessage()));
        }
    }

    /** Finishes, retrying while the control plane is unreachable (a repeated finish is idempotent). */
    private void finish(Hint hint, String claimId, Result result) throws InterruptedException {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                if (!client.finish(hint.runId(), hint.spec().name(), claimId, result)) {
                    log.info("agent {}: finish of {} was refused (stale claim)", id, hint.spec().name());
                }
                return;
            } catch (ControlPlaneClient.Unavailable e) {
                log.debug("agent {}: finish failed, retrying: {}", id, e.getMessage());
                sleep(backoff.next());
            }
        }
        log.warn("agent {}: could not finish {} of run {}; it will be orphaned", id, hint.spec().name(), hint.runId());
    }

    private void sleep(Duration d) throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(d.toMillis());
    }

    private void pause(Duration d) {
        try {
            sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
