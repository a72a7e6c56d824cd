package io.adagio.repository.memory;

import io.adagio.engine.Cancellation;
import io.adagio.engine.ClaimDecision;
import io.adagio.engine.FinishDecision;
import io.adagio.engine.NodeEvents;
import io.adagio.engine.Pausing;
import io.adagio.engine.Retrying;
import io.adagio.engine.RunTimes;
import io.adagio.engine.Timers;
import io.adagio.engine.Propagation;
import io.adagio.engine.RunVerdict;
import io.adagio.engine.Transitions;
import io.adagio.model.Agent;
import io.adagio.model.Claim;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.Run;
import io.adagio.model.RunOutcome;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Dispatch;
import io.adagio.repository.EventFanout;
import io.adagio.repository.Finished;
import io.adagio.repository.NodeNotReadyException;
import io.adagio.repository.NodeNotSkippableException;
import io.adagio.repository.RunEndedException;
import io.adagio.repository.RunPausedException;
import io.adagio.repository.StaleClaimException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The memory backend's claims, finishes (with eager dispatch) and ended leases, decided by the engine and
 * applied to {@link MemoryNodes} as one step each. Not thread-safe: called under the repository's lock.
 */
final class MemoryTransitions {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MemoryTransitions.class);
    private final MemoryNodes nodes;
    private final Clock clock;
    private final EventFanout events;
    private final MemoryLeases leases;
    /** Runs being cancelled → when their grace ends (what is still RUNNING then is fenced off). */
    private final Map<String, Instant> fences = new HashMap<>();

    MemoryTransitions(MemoryNodes nodes, Clock clock, EventFanout events) {
        this.nodes = nodes;
        this.clock = clock;
        this.events = events;
        this.leases = new MemoryLeases(clock, this::orphan);
    }

    /** The agents' leases, whose ends orphan what they held. */
    MemoryLeases leases() {
        return leases;
    }

    ClaimOutcome claimNode(String runId, String name, String agentId, Claim claim) {
        StoredRun r = nodes.run(runId);
        Node node = r.nodes[r.index(name)];
        leases.requireLive(agentId);
        if (node.status() == NodeStatus.RUNNING && claim.sameRequestAs(node.claim())
                && agentId.equals(leases.holder(new NodeRef(runId, name)))) {
            return ClaimOutcome.won(runId, node.claim(), r.view(node));
        }
        ClaimDecision d = Transitions.claim(node, claim, clock.instant());
        if (d instanceof ClaimDecision.NotReady) {
            throw new NodeNotReadyException(runId, name);
        }
        if (d instanceof ClaimDecision.Paused) {
            throw new RunPausedException(runId);
        }
        if (d instanceof ClaimDecision.Claimed c) {
            nodes.set(r, c.node());
            leases.hold(new NodeRef(runId, name), agentId);
            nodes.commit(events);
            return ClaimOutcome.won(runId, claim, r.view(c.node()));
        }
        return ClaimOutcome.notClaimed();
    }

    List<ClaimOutcome> claimReady(String agentId, int max, Supplier<Claim> claims) {
        leases.requireLive(agentId);
        Agent agent = leases.agent(agentId).orElseThrow();
        List<NodeRef> picked = new ArrayList<>();
        for (NodeRef ref : nodes.byStatus.in(NodeStatus.READY)) {
            if (picked.size() >= max) {
                break;
            }
            if (agent.runs(nodes.runs.get(ref.runId()).topology.spec(ref.name()).runtime())) {
                picked.add(ref);
            }
        }
        List<ClaimOutcome> out = new ArrayList<>();
        for (NodeRef ref : picked) {
            StoredRun r = nodes.runs.get(ref.runId());
            if (Transitions.claim(r.nodes[r.index(ref.name())], claims.get(), clock.instant())
                    instanceof ClaimDecision.Claimed c) {
                nodes.set(r, c.node());
                leases.hold(ref, agentId);
                out.add(ClaimOutcome.won(ref.runId(), c.node().claim(), r.view(c.node())));
            }
        }
        if (!out.isEmpty()) {
            nodes.commit(events);
        }
        return out;
    }

    /** The claims the agent holds on nodes whose run's cancel reached them. Under the lock. */
    List<io.adagio.repository.CancelledClaim> cancelledFor(String agentId) {
        List<io.adagio.repository.CancelledClaim> out = new ArrayList<>();
        if (fences.isEmpty()) {
            return out; // a RUNNING node marked cancelled has its run's fence pending: none is, so none is marked
        }
        for (NodeRef ref : leases.held(agentId)) {
            StoredRun r = nodes.runs.get(ref.runId());
            Node n = r == null ? null : r.nodes[r.index(ref.name())];
            if (n != null && n.status() == NodeStatus.RUNNING && n.cancelled()) {
                out.add(new io.adagio.repository.CancelledClaim(ref.runId(), ref.name(), n.claim().id()));
            }
        }
        return out;
    }

    /** The nodes the agent's live lease holds whose claims were made for {@code requestId}. Under the lock. */
    List<ClaimOutcome> heldFor(String agentId, String requestId) {
        List<ClaimOutcome> out = new ArrayList<>();
        for (NodeRef ref : leases.held(agentId)) {
            StoredRun r = nodes.runs.get(ref.runId());
            Node n = r == null ? null : r.nodes[r.index(ref.name())];
            if (n != null && n.status() == NodeStatus.RUNNING && n.claim() != null
                    && requestId.equals(n.claim().requestId())) {
                out.add(ClaimOutcome.won(ref.runId(), n.claim(), r.view(n)));
            }
        }
        return out;
    }

    Finished finishNode(String runId, String name, String claimId, Result result, Dispatch next) {
        StoredRun r = nodes.run(runId);
        NodeRef ref = new NodeRef(runId, name);
        leases.expireHolderOf(ref); // a finish after the holder's lease ran out is stale at once
        Node node = r.nodes[r.index(name)];
        FinishDecision d = Transitions.settle(node, claimId, result, clock.instant());
        if (d instanceof FinishDecision.Stale
                || d instanceof FinishDecision.Applied && next.agentId() != null && !next.agentId().equals(leases.holder(ref))) {
            throw new StaleClaimException(runId, name, claimId);
        }
        if (d instanceof FinishDecision.Repeated rep) {
            return new Finished(rep.node(), dispatchedBefore(r, rep.node(), claimId, next), false, true);
        }
        Node finished = ((FinishDecision.Applied) d).finished();
        List<String> readied = settle(r, finished);
        leases.release(ref);
        List<ClaimOutcome> claimed = dispatch(r, readied, claimId, next);
        nodes.commit(events);
        return new Finished(finished, claimed, finished.status() == NodeStatus.COMPLETED && r.unfinished == 0, false,
                next.agentId() == null ? List.of() : cancelledFor(next.agentId()));
    }

    /** See {@link io.adagio.repository.Repository#completeByHand}. Under the lock. */
    Finished completeByHand(String runId, String name, byte[] output) {
        StoredRun r = nodes.run(runId);
        Node node = r.nodes[r.index(name)];
        FinishDecision d = Transitions.completeByHand(node, output, clock.instant());
        if (d instanceof FinishDecision.Repeated repeated) {
            return new Finished(repeated.node(), List.of(), false, true);
        }
        if (!(d instanceof FinishDecision.Applied applied)) {
            throw new NodeNotSkippableException(runId, name, node.status());
        }
        settle(r, applied.finished());
        nodes.commit(events);
        return new Finished(applied.finished(), List.of(), r.unfinished == 0, false);
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
                String holder = leases.holder(new NodeRef(runId, before.name()));
                if (Cancellation.tellsHolder(before, after.get()) && holder != null) {
                    nodes.steps.signal(NodeEvents.cancelled(runId, before.spec(), holder, before.claim().id()));
                }
            }
        }
        if (r.unfinished > 0) {
            fences.merge(runId, now.plus(grace), (a, b) -> a.isBefore(b) ? a : b);
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
                String holder = leases.holder(ref);
                try {
                    finishNode(ref.runId(), ref.name(), t.claimId(), t.result(), Dispatch.NONE);
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
        fences.remove(runId); // a cancel still in its grace is forgotten
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
        for (Iterator<Map.Entry<String, Instant>> it = fences.entrySet().iterator(); it.hasNext(); ) {
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
                    leases.release(new NodeRef(r.id, before.name()));
                    changed = true;
                }
            }
        }
        if (changed) {
            nodes.commit(events);
        }
    }

    /** Stores a finished node and applies what it passes on; answers the nodes that became READY. */
    private List<String> settle(StoredRun r, Node finished) {
        nodes.set(r, finished);
        List<String> readied = new ArrayList<>();
        Optional<Propagation> propagation = Transitions.propagation(r.topology, finished);
        if (propagation.isPresent()) {
            for (String target : propagation.get().targets(r.topology)) {
                Node before = r.nodes[r.index(target)];
                propagation.get().apply(r.topology, before).ifPresent(after -> {
                    nodes.set(r, after);
                    if (after.status() == NodeStatus.READY && before.status() != NodeStatus.READY) {
                        readied.add(target);
                    }
                });
            }
        }
        return readied;
    }

    /** The claims an earlier, identical finish dispatched to the agent that still hold their nodes. Under the lock. */
    private List<ClaimOutcome> dispatchedBefore(StoredRun r, Node finished, String finishing, Dispatch next) {
        List<ClaimOutcome> out = new ArrayList<>();
        if (next.max() > 0) {
            Transitions.propagation(r.topology, finished).ifPresent(p -> {
                for (String target : p.targets(r.topology)) {
                    Node n = r.nodes[r.index(target)];
                    if (n.status() == NodeStatus.RUNNING && Dispatch.madeBy(n.claim(), finishing)
                            && next.agentId().equals(leases.holder(new NodeRef(r.id, target)))) {
                        out.add(ClaimOutcome.won(r.id, n.claim(), r.view(n)));
                    }
                }
            });
        }
        return out;
    }

    /** Claims up to {@code next.max()} of the nodes a finish made READY for the finishing agent. Under the lock. */
    private List<ClaimOutcome> dispatch(StoredRun r, List<String> readied, String finishing, Dispatch next) {
        List<ClaimOutcome> out = new ArrayList<>();
        Optional<Agent> agent = next.max() > 0 && !readied.isEmpty() ? leases.agent(next.agentId()) : Optional.empty();
        for (String name : readied) {
            if (agent.isEmpty() || out.size() >= next.max()) {
                break;
            }
            Node node = r.nodes[r.index(name)];
            if (agent.get().runs(node.spec().runtime())
                    && Transitions.claim(node, next.claimFor(finishing), clock.instant()) instanceof ClaimDecision.Claimed c) {
                nodes.set(r, c.node());
                leases.hold(new NodeRef(r.id, name), next.agentId());
                out.add(ClaimOutcome.won(r.id, c.node().claim(), r.view(c.node())));
            }
        }
        return out;
    }

    /** The nodes of an ended lease: those still RUNNING are orphaned (no state, NODE_ORPHANED). Under the lock. */
    private void orphan(List<NodeRef> held) {
        for (NodeRef ref : held) {
            StoredRun r = nodes.runs.get(ref.runId());
            Node n = r.nodes[r.index(ref.name())];
            if (n.status() == NodeStatus.RUNNING) {
                nodes.set(r, Transitions.orphan(n));
            }
        }
        nodes.commit(events);
    }
}
