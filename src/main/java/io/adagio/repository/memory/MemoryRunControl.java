package io.adagio.repository.memory;

import io.adagio.engine.Cancellation;
import io.adagio.engine.NodeEvents;
import io.adagio.engine.Pausing;
import io.adagio.engine.Retrying;
import io.adagio.engine.RunTimes;
import io.adagio.engine.Timers;
import io.adagio.engine.RunVerdict;
import io.adagio.model.Node;
import io.adagio.model.Run;
import io.adagio.model.RunOutcome;
import io.adagio.repository.Dispatch;
import io.adagio.repository.EventFanout;
import io.adagio.repository.RunEndedException;
import io.adagio.repository.StaleClaimException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The memory backend's run control and timers: cancels (and their fences once the grace is over), pause and
 * resume, retries in place, and the timers that fire (node timeouts and backoffs, run deadlines and times to
 * live), each decided by the engine and applied to {@link MemoryNodes} as one step. Not thread-safe: called under
 * the repository's lock.
 */
record MemoryRunControl(MemoryNodes nodes, Clock clock, EventFanout events, MemoryTransitions transitions) {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MemoryRunControl.class);

    /** The agents' leases: a cancelled node's holder is told, a fenced node's claim released. */
    private MemoryLeases leases() {
        return transitions.leases();
    }

    /**
     * See {@link io.adagio.repository.Repository#cancelRun}: the cancel reaches every node in one step (a RUNNING
     * node's holder is told by a NODE_CANCELLED event); the fence comes with {@link #fenceDue} once the grace is
     * over, at once when it is zero. Under the lock.
     */
    Run cancelRun(String runId, Duration grace) {
        StoredRun r = nodes.run(runId);
        RunOutcome outcome = RunVerdict.outcome(java.util.Arrays.asList(r.nodes));
        if (r.unfinished == 0 && outcome != RunOutcome.CANCELLED) {
            throw new RunEndedException(runId, outcome);
        }
        Instant now = clock.instant();
        for (Node before : r.nodes.clone()) {
            Optional<Node> after = Cancellation.reach(before, now);
            if (after.isPresent()) {
                nodes.set(r, after.get());
                String holder = leases().holder(new NodeRef(runId, before.name()));
                if (Cancellation.tellsHolder(before, after.get()) && holder != null) {
                    nodes.steps.signal(NodeEvents.cancelled(runId, before.spec(), holder, before.claim().id()));
                }
            }
        }
        if (r.unfinished > 0) {
            nodes.fences.merge(runId, now.plus(grace), (a, b) -> a.isBefore(b) ? a : b);
        }
        nodes.commit(events);
        if (grace.isZero() || grace.isNegative()) {
            fenceDue();
        }
        return r.view();
    }

    /**
     * Fires the timers that are due ({@link Timers}): a RUNNING node past its timeout is finished ERROR "timed out"
     * by its claim (its holder told by a NODE_CANCELLED: stop it), a node whose backoff is over becomes READY. Runs
     * periodically; under the lock.
     */
    void fireDue() {
        java.time.Instant now = clock.instant();
        fireRunTimers(now);
        List<NodeRef> due = new ArrayList<>();
        for (java.util.Set<NodeRef> refs : nodes.timers.headMap(now, true).values()) {
            due.addAll(refs);
        }
        for (NodeRef ref : due) {
            StoredRun r = nodes.runs.get(ref.runId());
            Node node = r.nodes[r.index(ref.name())];
            Optional<Timers.Due> fired = Timers.due(node, now);
            if (fired.isPresent() && fired.get() instanceof Timers.TimedOut t) {
                String holder = leases().holder(ref);
                try {
                    transitions.finishNode(ref.runId(), ref.name(), t.claimId(), t.result(), Dispatch.NONE);
                } catch (StaleClaimException e) {
                    continue; // its holder's lease ran out first: orphaned, not timed out
                }
                if (holder != null) {
                    nodes.steps.signal(NodeEvents.cancelled(ref.runId(), node.spec(), holder, t.claimId()));
                    nodes.commit(events);
                }
            } else if (fired.isPresent() && fired.get() instanceof Timers.BackoffOver b) {
                nodes.set(r, b.next());
                nodes.commit(events);
            }
        }
    }

    /** Fires the runs' own timers that are due ({@link RunTimes}): deadlines cancel, times to live delete. */
    private void fireRunTimers(java.time.Instant now) {
        while (!nodes.runTimers.isEmpty() && !nodes.runTimers.firstKey().isAfter(now)) {
            for (MemoryNodes.RunTimer timer : nodes.runTimers.pollFirstEntry().getValue()) {
                StoredRun r = nodes.runs.get(timer.runId());
                if (r == null) {
                    continue;
                }
                RunTimes.Action action = RunTimes.fire(timer.kind(), r.view(), now);
                if (action instanceof RunTimes.Cancel) {
                    log.info("run {} passed its deadline of {}; cancelling it", r.id, r.deadline);
                    cancelRun(r.id, Duration.ZERO);
                } else if (action instanceof RunTimes.Delete) {
                    nodes.remove(r);
                    log.info("run {} deleted: completed longer than its ttl of {}", r.id, r.ttl);
                } else if (action instanceof RunTimes.Later later) {
                    nodes.runTimer(later.at(), r.id, timer.kind());
                }
            }
        }
    }

    /** See {@link io.adagio.repository.Repository#retryRun}: every node in one step. Under the lock. */
    Run retryRun(String runId, List<String> names) {
        StoredRun r = nodes.run(runId);
        Map<String, Node> byName = new java.util.LinkedHashMap<>();
        for (Node n : r.nodes) {
            byName.put(n.name(), n);
        }
        Retrying plan;
        if (names == null || names.isEmpty()) {
            plan = Retrying.ofRun(runId, r.topology, byName);
        } else {
            names.forEach(r::index); // every named node exists
            plan = Retrying.ofNodes(runId, r.topology, byName, names);
        }
        nodes.fences.remove(runId); // a cancel still in its grace is forgotten
        for (Node before : r.nodes.clone()) {
            plan.apply(r.topology, before).ifPresent(after -> nodes.set(r, after));
        }
        nodes.commit(events);
        return r.view();
    }

    /** See {@link io.adagio.repository.Repository#pauseRun}: every node in one step. Under the lock. */
    Run pauseRun(String runId) {
        StoredRun r = nodes.run(runId);
        if (r.unfinished == 0) {
            throw new RunEndedException(runId, RunVerdict.outcome(java.util.Arrays.asList(r.nodes)));
        }
        for (Node before : r.nodes.clone()) {
            Pausing.pause(before).ifPresent(after -> nodes.set(r, after));
        }
        nodes.commit(events);
        return r.view();
    }

    /** See {@link io.adagio.repository.Repository#resumeRun}: every node in one step. Under the lock. */
    Run resumeRun(String runId) {
        StoredRun r = nodes.run(runId);
        for (Node before : r.nodes.clone()) {
            Pausing.resume(r.topology, before).ifPresent(after -> nodes.set(r, after));
        }
        nodes.commit(events);
        return r.view();
    }

    /**
     * Completes as cancelled what is still not completed in the runs whose cancel's grace is over, fencing off
     * their claims. Runs periodically; under the lock.
     */
    void fenceDue() {
        Instant now = clock.instant();
        boolean changed = false;
        for (Iterator<Map.Entry<String, Instant>> it = nodes.fences.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Instant> due = it.next();
            StoredRun r = nodes.runs.get(due.getKey());
            if (r != null && r.unfinished > 0 && due.getValue().isAfter(now)) {
                continue;
            }
            it.remove();
            if (r == null) {
                continue;
            }
            for (Node before : r.nodes.clone()) {
                Optional<Node> after = Cancellation.fence(before, now);
                if (after.isPresent()) {
                    nodes.set(r, after.get());
                    leases().release(new NodeRef(r.id, before.name()));
                    changed = true;
                }
            }
        }
        if (changed) {
            nodes.commit(events);
        }
    }
}
