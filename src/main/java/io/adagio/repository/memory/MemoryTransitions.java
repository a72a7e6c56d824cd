package io.adagio.repository.memory;

import io.adagio.engine.ClaimDecision;
import io.adagio.engine.FinishDecision;
import io.adagio.engine.Propagation;
import io.adagio.engine.Transitions;
import io.adagio.model.Agent;
import io.adagio.model.Claim;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Dispatch;
import io.adagio.repository.EventFanout;
import io.adagio.repository.Finished;
import io.adagio.repository.NodeNotReadyException;
import io.adagio.repository.NodeNotSkippableException;
import io.adagio.repository.RunPausedException;
import io.adagio.repository.StaleClaimException;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The memory backend's claims, finishes (with eager dispatch) and ended leases, decided by the engine and
 * applied to {@link MemoryNodes} as one step each. Not thread-safe: called under the repository's lock.
 */
final class MemoryTransitions {
    private final MemoryNodes nodes;
    private final Clock clock;
    private final EventFanout events;
    private final MemoryLeases leases;

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
        List<ClaimOutcome> out = new ArrayList<>();
        claimReady(leases.agent(agentId).orElseThrow(), max, claims, out);
        if (!out.isEmpty()) {
            nodes.commit(events);
        }
        return out;
    }

    /** Claims READY nodes of the agent's runtimes, oldest first, until {@code out} holds {@code max}; no commit. */
    private void claimReady(Agent agent, int max, Supplier<Claim> claims, List<ClaimOutcome> out) {
        List<NodeRef> picked = new ArrayList<>();
        for (NodeRef ref : nodes.byStatus.in(NodeStatus.READY)) {
            if (out.size() + picked.size() >= max) {
                break;
            }
            if (agent.runs(nodes.runs.get(ref.runId()).topology.spec(ref.name()).runtime())) {
                picked.add(ref);
            }
        }
        for (NodeRef ref : picked) {
            StoredRun r = nodes.runs.get(ref.runId());
            if (Transitions.claim(r.nodes[r.index(ref.name())], claims.get(), clock.instant())
                    instanceof ClaimDecision.Claimed c) {
                nodes.set(r, c.node());
                leases.hold(ref, agent.id());
                out.add(ClaimOutcome.won(ref.runId(), c.node().claim(), r.view(c.node())));
            }
        }
    }

    /** The claims the agent holds on nodes whose run's cancel reached them. Under the lock. */
    List<io.adagio.repository.CancelledClaim> cancelledFor(String agentId) {
        List<io.adagio.repository.CancelledClaim> out = new ArrayList<>();
        if (nodes.fences.isEmpty()) {
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
        boolean fill = next.fill() != null && next.max() > 0;
        if (fill && claimed.size() < next.max()) {
            leases.agent(next.agentId()).ifPresent(a -> claimReady(a, next.max(), next::fillClaim, claimed));
        }
        nodes.commit(events);
        boolean completed = finished.status() == NodeStatus.COMPLETED && r.unfinished == 0;
        return new Finished(finished, claimed, completed, false,
                next.agentId() == null ? List.of() : cancelledFor(next.agentId()), completed ? outcome(r) : null, fill);
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
        return new Finished(applied.finished(), List.of(), r.unfinished == 0, false, List.of(),
                r.unfinished == 0 ? outcome(r) : null);
    }

    /** The outcome of a run, from its nodes as stored. */
    private static io.adagio.model.RunOutcome outcome(StoredRun r) {
        return io.adagio.engine.RunVerdict.outcome(java.util.Arrays.asList(r.nodes));
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
