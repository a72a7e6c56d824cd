package io.adagio.repository.memory;

import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Run;
import io.adagio.repository.EventFanout;
import io.adagio.repository.NotFoundException;

import java.util.TreeMap;

/**
 * The runs and nodes of the memory backend: runs by id, nodes by state, and the step being applied
 * ({@link Steps}). Not thread-safe: guarded by the repository's lock.
 */
final class MemoryNodes {
    final TreeMap<String, StoredRun> runs = new TreeMap<>();
    final StatusIndex byStatus = new StatusIndex();
    final Steps steps = new Steps();
    /** When something is due for a node ({@link io.adagio.engine.Timers#dueAt}) → those nodes; kept by {@link #set}. */
    final java.util.TreeMap<java.time.Instant, java.util.Set<NodeRef>> timers = new java.util.TreeMap<>();
    private final java.util.Map<NodeRef, java.time.Instant> dueOf = new java.util.HashMap<>();
    /** When a run's own timer is due ({@link io.adagio.engine.RunTimes}) → those runs and kinds. */
    final java.util.TreeMap<java.time.Instant, java.util.Set<RunTimer>> runTimers = new java.util.TreeMap<>();
    /** Runs being cancelled → when their grace ends (what is still RUNNING then is fenced off). */
    final java.util.Map<String, java.time.Instant> fences = new java.util.HashMap<>();

    /** A run's own timer. */
    record RunTimer(String runId, io.adagio.engine.RunTimes.Kind kind) {
    }

    /** Sets a run's timer of {@code kind} to come due at {@code at}. */
    void runTimer(java.time.Instant at, String runId, io.adagio.engine.RunTimes.Kind kind) {
        runTimers.computeIfAbsent(at, t -> new java.util.LinkedHashSet<>()).add(new RunTimer(runId, kind));
    }

    /** Idempotency key → the run it started and that run's graph (kept as long as its run). */
    final java.util.Map<String, KeyedStart> keys = new java.util.HashMap<>();

    /** The run an idempotency key started, and the fingerprint of its graph. */
    record KeyedStart(String runId, String graphSha256) {
    }

    /** Stores a new run (its nodes in their first states) in the current step. */
    void add(Run run, StoredRun stored) {
        runs.put(run.id(), stored);
        for (Node n : stored.nodes) {
            byStatus.add(new NodeRef(run.id(), n.name()), n.status());
            if (n.status() != NodeStatus.COMPLETED) {
                stored.unfinished++;
            }
            steps.created(run.id(), n);
        }
        for (io.adagio.engine.RunTimes.Kind kind : io.adagio.engine.RunTimes.Kind.values()) {
            kind.firstDue(run).ifPresent(at -> runTimer(at, run.id(), kind));
        }
    }

    /** Forgets a run: its nodes leave the state index and the timers, its idempotency key is free again. */
    void remove(StoredRun r) {
        runs.remove(r.id);
        for (Node n : r.nodes) {
            NodeRef ref = new NodeRef(r.id, n.name());
            byStatus.remove(ref, n.status());
            due(ref, null);
        }
        if (r.idempotencyKey != null) {
            keys.remove(r.idempotencyKey);
        }
    }

    /** Ends the current step, publishing its events to {@code events}. */
    void commit(EventFanout events) {
        steps.commit(events);
    }

    /** @throws NotFoundException when no such run exists */
    StoredRun run(String runId) {
        StoredRun r = runs.get(runId);
        if (r == null) {
            throw new NotFoundException("run", runId);
        }
        return r;
    }

    /** Stores a node's next value in the current step (and when something is due for it). */
    void set(StoredRun r, Node next) {
        Node prev = r.replace(next);
        NodeRef ref = new NodeRef(r.id, next.name());
        byStatus.move(ref, prev.status(), next.status());
        java.time.Instant at = io.adagio.engine.Timers.dueAt(next).orElse(null);
        if (at != null || io.adagio.engine.Timers.dueAt(prev).isPresent()) { // most nodes never have a timer
            due(ref, at);
        }
        steps.changing(r, next.name(), prev.status());
    }

    private void due(NodeRef ref, java.time.Instant at) {
        java.time.Instant was = at == null ? dueOf.remove(ref) : dueOf.put(ref, at);
        if (was != null && !was.equals(at)) {
            java.util.Set<NodeRef> then = timers.get(was);
            then.remove(ref);
            if (then.isEmpty()) {
                timers.remove(was);
            }
        }
        if (at != null && !at.equals(was)) {
            timers.computeIfAbsent(at, t -> new java.util.LinkedHashSet<>()).add(ref);
        }
    }
}
