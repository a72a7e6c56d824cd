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
import io.adagio.repository.NodeNotSkippableException;
import io.adagio.repository.StaleClaimException;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.options.GetOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finishes (and completions by hand): the engine's one rule, {@link Transitions#settle} of the node and then its
 * {@link Propagation} to each target. Storing it is a strategy of this backend: when the node and its targets
 * fit one transaction, all in one, guarded by everything read (and claiming the children it makes READY for the
 * finishing agent, eager dispatch); otherwise (or when that keeps conflicting with the targets' other changes)
 * in steps ({@link Propagator}): the node's own transaction, fenced by what was read of the node, also records
 * an intent; the targets follow in batches; any replica completes an intent whose finish did not get to its end.
 */
final class EtcdFinishes {
    private static final Logger log = LoggerFactory.getLogger(EtcdFinishes.class);
    /** Attempts at a finish in one transaction before it is done in steps (fenced by the node alone). */
    private static final int SINGLE_TXN_ATTEMPTS = 3;

    private final Keys keys;
    private final EtcdCodec codec;
    private final NodeReader reader;
    private final EtcdInputs inputs;
    private final EtcdRuns runs;
    private final EtcdAgents agents;
    private final EtcdSignals signals;
    private final Propagator propagator;
    private final GuardedTxns txns;
    private final Clock clock;
    /** The most targets a finish changes in its own transaction (with the finished node: one batch's worth). */
    private final int smallFinish;
    private final TxnLimits limits;

    EtcdFinishes(Keys keys, EtcdCodec codec, NodeReader reader, EtcdInputs inputs, EtcdRuns runs, EtcdAgents agents,
                 EtcdSignals signals, Propagator propagator, GuardedTxns txns, Clock clock, TxnLimits limits) {
        this.keys = keys;
        this.codec = codec;
        this.reader = reader;
        this.inputs = inputs;
        this.runs = runs;
        this.agents = agents;
        this.signals = signals;
        this.propagator = propagator;
        this.txns = txns;
        this.clock = clock;
        this.smallFinish = limits.nodesPerTxn() - 1;
        this.limits = limits;
    }

    /**
     * The finish: one read of the node (with its children, when they are few) and, in the common case, one
     * transaction that settles the node, passes its output on, claims the children it makes READY for the
     * finishing agent (eager dispatch) and counts whether the run is complete.
     */
    Finished finish(String runId, String name, String claimId, Result result, Dispatch next) {
        AgentHolder holder = next.agentId() == null ? null : new AgentHolder(agents, next.agentId());
        return settle(runId, name, claimId, holder, next, own -> {
            FinishDecision d = Transitions.settle(own.node(), claimId, result, clock.instant());
            if (d instanceof FinishDecision.Stale
                    || d instanceof FinishDecision.Applied && holder != null && !holder.holds(own.runningLease())) {
                throw new StaleClaimException(runId, name, claimId);
            }
            return d;
        });
    }

    /**
     * A person completes a node no agent holds: the finish's one read and transaction (or steps), with the
     * decision of {@link Transitions#completeByHand}, guarded by everything read, so a claim racing it loses or
     * wins whole.
     */
    Finished completeByHand(String runId, String name, byte[] output) {
        return settle(runId, name, null, null, Dispatch.NONE, own -> {
            FinishDecision d = Transitions.completeByHand(own.node(), output, clock.instant());
            if (d instanceof FinishDecision.Stale) {
                throw new NodeNotSkippableException(runId, name, own.node().status());
            }
            return d;
        });
    }

    /** How a node read is finished: the engine's decision, or an exception that changes nothing. */
    private interface Decider {
        FinishDecision decide(NodeFacts own);
    }

    private Finished settle(String runId, String name, String claimId, AgentHolder holder, Dispatch next, Decider decider) {
        RunShape shape = runs.shape(runId);
        EtcdRuns.requireNode(shape, name);
        Topology topology = shape.topology();
        List<String> children = topology.children(name);
        List<String> read = new ArrayList<>(1 + children.size());
        read.add(name);
        if (children.size() <= smallFinish) {
            read.addAll(children); // a successful finish changes them: read them with the node
        }
        List<ClaimOutcome> dispatched = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<io.adagio.repository.CancelledClaim>[] stops = new List[]{List.of()};
        boolean[] repeat = {false};
        boolean[] completed = {false};
        Node node = txns.retry("finishing " + runId + "/" + name, attempt -> {
            dispatched.clear();
            Map<String, NodeFacts> facts = reader.read(runId, read);
            NodeFacts own = facts.get(name);
            FinishDecision d = decider.decide(own);
            if (d instanceof FinishDecision.Repeated repeated) {
                repeat[0] = true;
                if (propagator.pending(runId, name)) {
                    Transitions.propagation(topology, repeated.node()).ifPresent(p -> passOn(shape, p, own.nodeRevision()));
                }
                return Optional.of(repeated.node());
            }
            Node finished = ((FinishDecision.Applied) d).finished();
            Optional<Propagation> propagation = Transitions.propagation(topology, finished);
            Step step = new Step(shape, finished);
            step.settle(own);
            boolean inSteps = false;
            if (propagation.isPresent()) {
                List<String> targets = propagation.get().targets(topology);
                inSteps = attempt >= SINGLE_TXN_ATTEMPTS || targets.size() > smallFinish
                        || !step.passOn(propagation.get(), targets.stream()
                        .map(t -> facts.containsKey(t) ? facts.get(t) : null).toList(), targets,
                        next.max() > 0 ? holder : null, next, claimId);
            }
            if (inSteps) {
                step = new Step(shape, finished);
                step.settle(own);
                step.ops.add(propagator.recordIntent(runId, propagation.get()));
            }
            try {
                Optional<Boolean> done = step.commit(!inSteps && finished.status() == NodeStatus.COMPLETED,
                        holder == null || inSteps ? null : next.agentId());
                if (done.isEmpty()) {
                    return Optional.empty();
                }
                completed[0] = done.get();
            } catch (LeaseGone e) {
                if (holder != null) {
                    holder.ended(); // the finishing agent's lease ended while dispatching to it: it cannot hold more
                }
                return Optional.empty();
            }
            dispatched.addAll(step.claimed);
            stops[0] = step.cancelled;
            if (inSteps) {
                passOn(shape, propagation.get(), step.revision);
                completed[0] = finished.status() == NodeStatus.COMPLETED && runs.isRunCompleted(runId);
            }
            return Optional.of(finished);
        });
        Map<Keys.NodeRef, Node> inHand = Map.of(new Keys.NodeRef(runId, name), node);
        if (repeat[0]) {
            return new Finished(node, next.max() > 0
                    ? inputs.filled(dispatchedBefore(shape, node, claimId, holder), inHand) : List.of(), false, true);
        }
        // a run of this one node: its outcome is the node's (a larger run's other nodes were not read)
        io.adagio.model.RunOutcome outcome = completed[0] && topology.size() == 1
                ? io.adagio.engine.RunVerdict.outcome(List.of(node)) : null;
        return new Finished(node, inputs.filled(dispatched, inHand), completed[0], false, stops[0], outcome);
    }

    /** The claims an earlier, identical finish dispatched to the agent (lease {@code holder}) that still hold. */
    private List<ClaimOutcome> dispatchedBefore(RunShape shape, Node finished, String finishing, AgentHolder holder) {
        List<ClaimOutcome> out = new ArrayList<>();
        Optional<Propagation> p = Transitions.propagation(shape.topology(), finished);
        if (p.isPresent()) {
            for (NodeFacts f : reader.read(shape.id(), p.get().targets(shape.topology())).values()) {
                if (f.node().status() == NodeStatus.RUNNING && holder.holds(f.runningLease())
                        && Dispatch.madeBy(f.node().claim(), finishing)) {
                    out.add(ClaimOutcome.won(shape.id(), f.node().claim(), f.node()));
                }
            }
        }
        return out;
    }

    /**
     * One finish transaction being built: the finished node, the targets it passes on to (each guarded as read),
     * the children it claims for the finishing agent, and optionally a count of the run's completed nodes.
     */
    private final class Step {
        private final RunShape shape;
        private final Node finished;
        private final List<Cmp> guards = new ArrayList<>();
        private final List<Op> ops = new ArrayList<>();
        private final List<ClaimOutcome> claimed = new ArrayList<>();
        private long bytes;
        /** The revision it committed at (the finished node's new mod revision); 0 before. */
        private long revision;
        /** The finishing agent's cancelled claims, read in the same transaction; empty when not asked. */
        private List<io.adagio.repository.CancelledClaim> cancelled = List.of();

        Step(RunShape shape, Node finished) {
            this.shape = shape;
            this.finished = finished;
        }

        void settle(NodeFacts own) {
            guards.addAll(own.guards(keys));
            bytes += Propagator.writes(keys, codec, shape.id(), own.node(), finished, 0, ops);
            if (own.node().cancelled()) {
                // finished in its cancel's grace: the word to its holder has been heard
                ops.add(Op.delete(Keys.bytes(keys.signal(shape.id(), finished.name())),
                        io.etcd.jetcd.options.DeleteOption.DEFAULT));
            }
        }

        /**
         * Adds the propagation to every target ({@code read}: their facts, null when not read yet), claiming the
         * ones it makes READY for {@code holder} (when not null) up to {@code next.max()}.
         *
         * @return false when it does not fit one transaction
         */
        boolean passOn(Propagation p, List<NodeFacts> read, List<String> targets, AgentHolder holder, Dispatch next,
                       String finishing) {
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                if (read.get(i) == null) {
                    missing.add(targets.get(i));
                }
            }
            Map<String, NodeFacts> more = missing.isEmpty() ? Map.of() : reader.read(shape.id(), missing);
            long lease = holder == null ? -1 : holder.lease();
            Optional<EtcdCodec.StoredAgent> agent = holder == null ? Optional.empty() : holder.agent();
            for (int i = 0; i < targets.size(); i++) {
                NodeFacts target = read.get(i) != null ? read.get(i) : more.get(targets.get(i));
                guards.addAll(target.guards(keys));
                Optional<Node> after = p.apply(shape.topology(), target.node());
                if (after.isEmpty()) {
                    continue;
                }
                Node next2 = after.get();
                long on = 0;
                boolean readied = next2.status() == NodeStatus.READY && target.node().status() != NodeStatus.READY;
                if (readied && lease > 0 && claimed.size() < next.max() && agent.isPresent()
                        && agent.get().agent().runs(next2.spec().runtime())) {
                    Claim claim = next.claimFor(finishing);
                    if (Transitions.claim(next2, claim, clock.instant()) instanceof ClaimDecision.Claimed c) {
                        next2 = c.node();
                        on = lease;
                        claimed.add(ClaimOutcome.won(shape.id(), claim, next2));
                    }
                }
                bytes += Propagator.writes(keys, codec, shape.id(), target.node(), next2, on, ops);
            }
            bytes += guards.size() * (long) (keys.node(shape.id(), finished.name()).length() + 40);
            return guards.size() + ops.size() + 1 <= limits.maxTxnOps() && bytes <= limits.bytes();
        }

        /**
         * Commits; with {@code count}, also counts the run's completed nodes in the same transaction.
         *
         * @return empty on a conflict; otherwise whether the run is complete (false without {@code count})
         */
        Optional<Boolean> commit(boolean count) {
            return commit(count, null);
        }

        /**
         * {@link #commit(boolean)}; with {@code signalsFor} (an agent id), also reads the signal keys in the same
         * transaction, to answer the claims that agent holds whose run was cancelled ({@link #cancelled}).
         */
        Optional<Boolean> commit(boolean count, String signalsFor) {
            if (count) {
                String prefix = keys.statesOf(NodeStatus.COMPLETED, shape.id());
                ops.add(Op.get(Keys.bytes(prefix),
                        GetOption.builder().withRange(Keys.prefixEnd(prefix)).withCountOnly(true).build()));
            }
            if (signalsFor != null) {
                ops.add(signals.read());
            }
            Optional<TxnResponse> r = txns.apply(guards, ops, "finishing " + shape.id() + "/" + finished.name());
            if (r.isEmpty()) {
                claimed.clear();
                return Optional.empty();
            }
            revision = r.get().getHeader().getRevision();
            if (signalsFor != null) {
                cancelled = signals.cancelledIn(r.get().getGetResponses().get(count ? 1 : 0).getKvs(), signalsFor);
            }
            return Optional.of(count && r.get().getGetResponses().get(0).getCount() == shape.topology().size());
        }
    }

    /**
     * Passes a recorded finish on; when etcd cannot be reached (or the batches keep conflicting) the intent
     * stays and the recovery completes it, so the finish itself still stands.
     */
    private void passOn(RunShape shape, Propagation p, long fromRevision) {
        try {
            propagator.complete(shape, p, fromRevision);
        } catch (BackendUnavailableException e) {
            log.warn("the finish of {}/{} is recorded but not yet passed on ({}); the recovery will complete it",
                    shape.id(), p.from(), e.getMessage());
        }
    }
}
