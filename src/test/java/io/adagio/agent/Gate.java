package io.adagio.agent;

import io.adagio.agent.runtime.NodeRuntime;
import io.adagio.agent.runtime.Task;
import io.adagio.model.Conclusion;
import io.adagio.model.Result;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A runtime whose nodes wait until the test lets them go, so a test sees how many run at once. Counts
 * executions per node (by the work itself, not the store).
 */
final class Gate implements NodeRuntime {
    private final String name;
    private final Semaphore permits = new Semaphore(0);
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

    Gate(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Result run(Task task) throws InterruptedException {
        runs.computeIfAbsent(task.runId() + "/" + task.spec().name(), k -> new AtomicInteger()).incrementAndGet();
        int now = waiting.incrementAndGet();
        mostAtOnce.accumulateAndGet(now, Math::max);
        try {
            permits.acquire();
        } finally {
            waiting.decrementAndGet();
        }
        done.incrementAndGet();
        return Result.of(Conclusion.SUCCESS, task.spec().name());
    }

    /** Lets {@code n} waiting (or future) nodes go. */
    void open(int n) {
        permits.release(n);
    }

    /** Nodes running now (waiting at the gate). */
    int waiting() {
        return waiting.get();
    }

    /** The most nodes that waited at once. */
    int mostAtOnce() {
        return mostAtOnce.get();
    }

    /** Nodes let through and returned. */
    int done() {
        return done.get();
    }

    /** How many times the node ran. */
    int runsOf(String runId, String node) {
        AtomicInteger n = runs.get(runId + "/" + node);
        return n == null ? 0 : n.get();
    }
}
