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
    }

    /** Forgets a run: its nodes leave the state index, its idempotency key is free again. */
    void remove(StoredRun r) {
        runs.remove(r.id);
        for (Node n : r.nodes) {
            byStatus.remove(new NodeRef(r.id, n.name()), n.status());
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

    /** Stores a node's next value in the current step. */
    void set(StoredRun r, Node next) {
        Node prev = r.replace(next);
        byStatus.move(new NodeRef(r.id, next.name()), prev.status(), next.status());
        steps.changing(r, next.name(), prev.status());
    }
}
