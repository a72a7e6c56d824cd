package io.adagio.agent;

import io.adagio.agent.runtime.NodeRuntime;
import io.adagio.agent.runtime.Task;
import io.adagio.model.Conclusion;
import io.adagio.model.EventType;
import io.adagio.model.Node;
import io.adagio.model.Result;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One agent of the pool, with its own id and lease: takes hints from the pool's shared {@link Hints} and runs
 * one node at a time: claim, run its runtime, finish. A NODE_ORPHANED hint is claimed and finished ERROR
 * "node was orphaned" without running the work, as the original does; the retry rules then decide whether it
 * runs again.
 */
final class PoolAgent {
    private static final Logger log = LoggerFactory.getLogger(PoolAgent.class);
    static final String ORPHANED = "node was orphaned";

    private final String id;
    private final ControlPlane client;
    private final Map<String, NodeRuntime> runtimes;
    private final Hints hints;
    private final Backoff callBackoff;
    private volatile boolean running;
    private volatile boolean busy;
    private Thread worker;

    PoolAgent(String id, ControlPlane client, Map<String, NodeRuntime> runtimes, Hints hints,
              Duration backoffMin, Duration backoffMax) {
        this.id = id;
        this.client = client;
        this.runtimes = Map.copyOf(runtimes);
        this.hints = hints;
        this.callBackoff = new Backoff(backoffMin, backoffMax);
    }

    String id() {
        return id;
    }

    List<String> runtimeNames() {
        return runtimes.keySet().stream().sorted().toList();
    }

    /** Registers (retrying until the control plane answers or the agent is stopped) and starts working. */
    void start() {
        running = true;
        worker = new Thread(this::work, "adagio-agent-" + id);
        worker.setDaemon(true);
        worker.start();
    }

    /** Renews the lease; registers again when it is gone. */
    void heartbeat() {
        try {
            if (!client.heartbeat(id)) {
                client.register(id, runtimeNames());
            }
        } catch (ControlPlane.Unavailable e) {
            log.debug("agent {}: heartbeat failed: {}", id, e.getMessage());
        }
    }

    /**
     * Stops claiming, lets the node in hand finish for up to {@code grace}, then unregisters: a node still
     * running is released (orphaned) for another agent to recover.
     */
    void stop(Duration grace) {
        running = false;
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
        } catch (ControlPlane.Unavailable e) {
            log.debug("agent {}: unregister failed: {}", id, e.getMessage());
        }
        client.close();
    }

    // ---- work ---------------------------------------------------------------------------------------------

    private void work() {
        Backoff registering = new Backoff(callBackoff.next(), Duration.ofSeconds(2));
        while (running) {
            try {
                client.register(id, runtimeNames());
                break;
            } catch (ControlPlane.Unavailable e) {
                log.debug("agent {}: cannot register yet: {}", id, e.getMessage());
                try {
                    sleep(registering.next());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
        while (running) {
            Hints.Hint hint;
            try {
                hint = hints.take(1000);
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

    /**
     * Claims the hinted node and runs it; each finish asks for the next node it makes READY (eager dispatch),
     * which this agent then runs at once, so a chain runs on one agent without an event round trip per step.
     */
    private void handle(Hints.Hint hint) throws InterruptedException {
        MDC.put("run_id", hint.runId());
        try {
            if (!(claim(hint) instanceof ControlPlane.ClaimReply.Claimed claimed)) {
                return;
            }
            Hints.Hint work = hint;
            ControlPlane.ClaimReply.Claimed held = claimed;
            while (held != null) {
                MDC.put("node", work.spec().name());
                Result result;
                if (work.type() == EventType.NODE_ORPHANED) {
                    log.info("agent {}: recovering orphaned node {} of run {}", id, work.spec().name(), work.runId());
                    result = Result.of(Conclusion.ERROR, ORPHANED);
                } else {
                    result = run(work, held.node());
                    if (result == null) {
                        return; // shutting down: the node is released when the agent unregisters
                    }
                }
                held = finish(work, held.claim().id(), result);
                if (held != null) {
                    work = new Hints.Hint(EventType.NODE_READY, work.runId(), held.node().spec());
                }
            }
        } finally {
            MDC.remove("run_id");
            MDC.remove("node");
        }
    }

    /** Claims, retrying while the control plane is unreachable with the same request id (so a lost answer is not lost). */
    private ControlPlane.ClaimReply claim(Hints.Hint hint) throws InterruptedException {
        String requestId = java.util.UUID.randomUUID().toString();
        for (int attempt = 0; running; attempt++) {
            try {
                ControlPlane.ClaimReply r = client.claim(hint.runId(), hint.spec().name(), id, requestId);
                if (r instanceof ControlPlane.ClaimReply.NotRegistered && attempt == 0) {
                    client.register(id, runtimeNames());
                    continue;
                }
                callBackoff.reset();
                return r;
            } catch (ControlPlane.Unavailable e) {
                if (attempt >= 5) {
                    log.warn("agent {}: giving up claiming {}: {}", id, hint.spec().name(), e.getMessage());
                    return new ControlPlane.ClaimReply.Refused("unavailable");
                }
                sleep(callBackoff.next());
            }
        }
        return new ControlPlane.ClaimReply.Refused("stopping");
    }

    /** Runs the node; null when interrupted by shutdown. */
    private Result run(Hints.Hint hint, Node node) {
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

    /**
     * Finishes, retrying while the control plane is unreachable (a repeated finish is idempotent, and answers
     * the same next claim); answers the node claimed for this agent by the finish, or null.
     */
    private ControlPlane.ClaimReply.Claimed finish(Hints.Hint hint, String claimId, Result result)
            throws InterruptedException {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));
        int next = running ? 1 : 0;
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                ControlPlane.Finish f = client.finish(hint.runId(), hint.spec().name(), id, claimId, result, next);
                if (!f.accepted()) {
                    log.info("agent {}: finish of {} was refused (stale claim)", id, hint.spec().name());
                }
                return f.next().isEmpty() ? null : f.next().get(0);
            } catch (ControlPlane.Unavailable e) {
                log.debug("agent {}: finish failed, retrying: {}", id, e.getMessage());
                sleep(backoff.next());
            }
        }
        // Give the node back: this agent holds only this node, so ending its lease orphans exactly it, and
        // another agent recovers it (ERROR "node was orphaned", then the retry rules). Register again after.
        log.warn("agent {}: could not finish {} of run {}; releasing it by ending this agent's lease", id,
                hint.spec().name(), hint.runId());
        try {
            client.unregister(id);
            client.register(id, runtimeNames());
        } catch (ControlPlane.Unavailable e) {
            log.warn("agent {}: could not release its lease either: {}", id, e.getMessage());
        }
        return null;
    }

    private void sleep(Duration d) throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(d.toMillis());
    }


}
