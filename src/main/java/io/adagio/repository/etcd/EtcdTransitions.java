package io.adagio.repository.etcd;

import io.adagio.engine.ClaimDecision;
import io.adagio.engine.FinishDecision;
import io.adagio.engine.Propagation;
import io.adagio.engine.Topology;
import io.adagio.engine.Transitions;
import io.adagio.model.Claim;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.repository.BackendUnavailableException;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Dispatch;
import io.adagio.repository.Finished;
import io.adagio.repository.LeaseNotFoundException;
import io.adagio.repository.NodeNotReadyException;
import io.adagio.repository.StaleClaimException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Claims and finishes, each decided by the engine from facts read here and applied as a guarded transaction
 * ({@link GuardedTxns}).
 * <ul>
 *   <li>Claim: one transaction guarded by the node key's and all four state keys' mod revisions; the running
 *       state key is put with the claiming agent's lease, so it vanishes when the lease ends.</li>
 *   <li>Finish: the engine's one rule, {@link Transitions#settle} of the node and then its {@link Propagation}
 *       to each target. Storing it is a strategy of this backend: when the node and its targets fit one
 *       transaction, all in one, guarded by everything read; otherwise (or when that keeps conflicting with
 *       the targets' other changes) in steps ({@link Propagator}): the node's own transaction, fenced by what
 *       was read of the node, also records an intent; the targets follow in batches; any replica completes an
 *       intent whose finish did not get to its end.</li>
 * </ul>
 */
final class EtcdTransitions {
    private static final Logger log = LoggerFactory.getLogger(EtcdTransitions.class);
    /** The most targets a finish changes in its own transaction: (1 + 15) nodes × 8 compares and operations. */
    static final int SMALL_FINISH = Propagator.MAX_TXN_OPS / Propagator.OPS_PER_NODE - 1;
    /** Attempts at a finish in one transaction before it is done in steps (fenced by the node alone). */
    private static final int SINGLE_TXN_ATTEMPTS = 3;

    private final Keys keys;
    private final EtcdCodec codec;
    private final KeyRanges ranges;
    private final RunShapes shapes;
    private final NodeReader reader;
    private final EtcdRuns runs;
    private final EtcdAgents agents;
    private final Propagator propagator;
    private final GuardedTxns txns;
    private final Clock clock;

    EtcdTransitions(Keys keys, EtcdCodec codec, KeyRanges ranges, RunShapes shapes, NodeReader reader, EtcdRuns runs,
                    EtcdAgents agents, Propagator propagator, GuardedTxns txns, Clock clock) {
        this.keys = keys;
        this.codec = codec;
        this.ranges = ranges;
        this.shapes = shapes;
        this.reader = reader;
        this.runs = runs;
        this.agents = agents;
        this.propagator = propagator;
        this.txns = txns;
        this.clock = clock;
    }

    ClaimOutcome claim(String runId, String name, String agentId, Claim claim) {
        EtcdRuns.requireNode(runs.shape(runId), name);
        return claim(runId, name, agentId, claim, () -> agents.leaseOf(agentId));
    }

    /** A claim on the agent's lease, as {@code lease} says it is (read again on every attempt, or known). */
    private ClaimOutcome claim(String runId, String name, String agentId, Claim claim, LongSupplier lease) {
        String what = "claiming " + runId + "/" + name;
        return txns.retry(what, attempt -> {
            long leaseId = lease.getAsLong();
            NodeFacts facts = reader.read(runId, name);
            if (facts.node().status() == NodeStatus.RUNNING && claim.sameRequestAs(facts.node().claim())
                    && facts.runningLease() == leaseId) {
                return Optional.of(ClaimOutcome.won(runId, facts.node().claim(), facts.node()));
            }
            ClaimDecision d = Transitions.claim(facts.node(), claim, clock.instant());
            if (d instanceof ClaimDecision.NotReady) {
                throw new NodeNotReadyException(runId, name);
            }
            if (!(d instanceof ClaimDecision.Claimed claimed)) {
                return Optional.of(ClaimOutcome.notClaimed());
            }
            List<Op> ops = new ArrayList<>();
            ops.add(Op.put(Keys.bytes(keys.node(runId, name)), codec.node(claimed.node()), PutOption.DEFAULT));
            if (facts.node().status() != NodeStatus.NONE) {
                ops.add(Op.delete(Keys.bytes(keys.state(facts.node().status(), runId, name)), DeleteOption.DEFAULT));
            }
            ops.add(Op.put(Keys.bytes(keys.state(NodeStatus.RUNNING, runId, name)), ByteSequence.EMPTY,
                    PutOption.builder().withLeaseId(leaseId).build()));
            try {
                return txns.commit(facts.guards(keys), ops, what)
                        ? Optional.of(ClaimOutcome.won(runId, claim, claimed.node())) : Optional.empty();
            } catch (LeaseGone e) {
                throw new LeaseNotFoundException(agentId);
            }
        });
    }

    /**
     * Claims up to {@code max} READY nodes of the agent's runtimes, in key order of their ready keys (oldest
     * run first), each in a claim transaction of its own; a node another claimer took first is skipped.
     */
    List<ClaimOutcome> claimReady(String agentId, int max, Supplier<Claim> claims) {
        EtcdCodec.StoredAgent agent = agents.stored(agentId).orElseThrow(() -> new LeaseNotFoundException(agentId));
        List<ClaimOutcome> out = new ArrayList<>();
        if (max <= 0) {
            return out;
        }
        ranges.visitKeys(keys.states(NodeStatus.READY), Math.max(16, 2 * max), readyKey -> {
            keys.parseState(Keys.text(readyKey.getKey())).map(Keys.StateKey::node).ifPresent(ref -> {
                Optional<RunShape> shape = shapes.find(ref.runId());
                if (shape.isPresent() && shape.get().topology().contains(ref.name())
                        && agent.agent().runs(shape.get().topology().spec(ref.name()).runtime())) {
                    try {
                        ClaimOutcome c = claim(ref.runId(), ref.name(), agentId, claims.get(), agent::leaseId);
                        if (c.claimed()) {
                            out.add(c);
                        }
                    } catch (NodeNotReadyException e) {
                        log.debug("{}/{} is not ready any more", ref.runId(), ref.name());
                    }
                }
            });
            return out.size() < max;
        });
        return out;
    }

    Finished finish(String runId, String name, String claimId, Result result, Dispatch next) {
        RunShape shape = runs.shape(runId);
        EtcdRuns.requireNode(shape, name);
        Topology topology = shape.topology();
        Optional<EtcdCodec.StoredAgent> agent = next.agentId() == null ? Optional.empty() : agents.stored(next.agentId());
        long holder = next.agentId() == null ? 0 : agent.map(EtcdCodec.StoredAgent::leaseId).orElse(-1L);
        List<String> readied = new ArrayList<>();
        boolean[] repeat = {false};
        Node node = txns.retry("finishing " + runId + "/" + name, attempt -> {
            readied.clear();
            NodeFacts facts = reader.read(runId, name);
            FinishDecision d = Transitions.settle(facts.node(), claimId, result, clock.instant());
            if (d instanceof FinishDecision.Stale
                    || d instanceof FinishDecision.Applied && holder != 0 && facts.runningLease() != holder) {
                throw new StaleClaimException(runId, name, claimId);
            }
            if (d instanceof FinishDecision.Repeated repeated) {
                repeat[0] = true;
                if (propagator.pending(runId, name)) {
                    Transitions.propagation(topology, repeated.node()).ifPresent(p -> passOn(shape, p));
                }
                return Optional.of(repeated.node());
            }
            Node finished = ((FinishDecision.Applied) d).finished();
            Optional<Propagation> propagation = Transitions.propagation(topology, finished);
            if (propagation.isPresent() && attempt < SINGLE_TXN_ATTEMPTS) {
                List<String> targets = propagation.get().targets(topology);
                if (targets.size() <= SMALL_FINISH) {
                    Optional<Boolean> committed = atOnce(shape, facts, finished, propagation.get(), targets, readied);
                    if (committed.isPresent()) {
                        return committed.get() ? Optional.of(finished) : Optional.empty();
                    }
                }
            }
            List<Op> ops = new ArrayList<>();
            Propagator.writes(keys, codec, runId, facts.node().status(), finished, ops);
            propagation.ifPresent(p -> ops.add(propagator.recordIntent(runId, p)));
            if (!txns.commit(facts.guards(keys), ops, "finishing " + runId + "/" + name)) {
                return Optional.empty();
            }
            propagation.ifPresent(p -> passOn(shape, p));
            return Optional.of(finished);
        });
        if (repeat[0] && next.max() > 0) {
            return new Finished(node, dispatchedBefore(shape, node, claimId, holder));
        }
        return new Finished(node, agent.map(a -> dispatch(shape, readied, claimId, next, a)).orElse(List.of()));
    }

    /** The claims an earlier, identical finish dispatched to the agent (lease {@code holder}) that still hold. */
    private List<ClaimOutcome> dispatchedBefore(RunShape shape, Node finished, String finishing, long holder) {
        List<ClaimOutcome> out = new ArrayList<>();
        Optional<Propagation> p = Transitions.propagation(shape.topology(), finished);
        if (p.isPresent()) {
            for (NodeFacts f : reader.read(shape.id(), p.get().targets(shape.topology())).values()) {
                if (f.node().status() == NodeStatus.RUNNING && f.runningLease() == holder
                        && Dispatch.madeBy(f.node().claim(), finishing)) {
                    out.add(ClaimOutcome.won(shape.id(), f.node().claim(), f.node()));
                }
            }
        }
        return out;
    }

    /**
     * Claims up to {@code next.max()} of the nodes a finish made READY for the finishing agent, each in a claim
     * transaction of its own (a node someone else claimed first is skipped).
     */
    private List<ClaimOutcome> dispatch(RunShape shape, List<String> readied, String finishing, Dispatch next,
                                        EtcdCodec.StoredAgent agent) {
        List<ClaimOutcome> out = new ArrayList<>();
        for (String name : readied) {
            if (out.size() >= next.max()) {
                break;
            }
            if (agent.agent().runs(shape.topology().spec(name).runtime())) {
                try {
                    ClaimOutcome claimed = claim(shape.id(), name, next.agentId(), next.claimFor(finishing),
                            agent::leaseId);
                    if (claimed.claimed()) {
                        out.add(claimed);
                    }
                } catch (NodeNotReadyException | LeaseNotFoundException e) {
                    break;
                }
            }
        }
        return out;
    }

    /**
     * The finished node and every target of its propagation in one transaction guarded by all of them.
     *
     * @return whether it committed (false: a conflict), or empty when it does not fit one transaction
     */
    private Optional<Boolean> atOnce(RunShape shape, NodeFacts facts, Node finished, Propagation p,
                                     List<String> targets, List<String> readied) {
        String runId = shape.id();
        Map<String, NodeFacts> others = reader.read(runId, targets);
        List<Cmp> guards = new ArrayList<>(facts.guards(keys));
        List<Op> ops = new ArrayList<>();
        long bytes = Propagator.writes(keys, codec, runId, facts.node().status(), finished, ops);
        for (NodeFacts target : others.values()) {
            guards.addAll(target.guards(keys));
            Optional<Node> next = p.apply(shape.topology(), target.node());
            if (next.isPresent()) {
                bytes += Propagator.writes(keys, codec, runId, target.node().status(), next.get(), ops);
                if (next.get().status() == NodeStatus.READY && target.node().status() != NodeStatus.READY) {
                    readied.add(target.node().name());
                }
            }
        }
        bytes += guards.size() * (long) (keys.node(runId, finished.name()).length() + 40);
        if (guards.size() + ops.size() > Propagator.MAX_TXN_OPS || bytes > Propagator.MAX_BYTES) {
            return Optional.empty();
        }
        return Optional.of(txns.commit(guards, ops, "finishing " + runId + "/" + finished.name()));
    }

    /**
     * Passes a recorded finish on; when etcd cannot be reached (or the batches keep conflicting) the intent
     * stays and the recovery completes it, so the finish itself still stands.
     */
    private void passOn(RunShape shape, Propagation p) {
        try {
            propagator.complete(shape, p);
        } catch (BackendUnavailableException e) {
            log.warn("the finish of {}/{} is recorded but not yet passed on ({}); the recovery will complete it",
                    shape.id(), p.from(), e.getMessage());
        }
    }
}
