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
    /** The reads a finish that may complete its run adds: its completed nodes counted, its first verdict key. */
    private static final int COMPLETION_READS = 2;
    /** The reads {@link Step#commit} may add to a transaction being built: the completion's and the signals'. */
    private static final int END_READS = COMPLETION_READS + 1;

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
    private final RunShapes shapes;
    /** READY nodes a finish may fill its agent up with ({@link Dispatch#fill}), read with the finished node. */
    private final ReadyHints hints;
    /** Facts of nodes its own transactions wrote or read, so that the next finish of such a node needs no read. */
    private final KnownFacts known;
    /** The children of what it claims, read after its writes for their parents' finishes. */
    private final ChildrenAhead children;

    EtcdFinishes(Keys keys, EtcdCodec codec, NodeReader reader, EtcdInputs inputs, EtcdRuns runs, EtcdAgents agents,
                 EtcdSignals signals, Propagator propagator, GuardedTxns txns, Clock clock, TxnLimits limits,
                 RunShapes shapes, ReadyHints hints, KnownFacts known, ChildrenAhead children) {
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
        this.smallFinish = limits.childrenPerFinish();
        this.limits = limits;
        this.shapes = shapes;
        this.hints = hints;
        this.known = known;
        this.children = children;
    }

    /**
     * The finish: one read of the node (with its children, when they are few, and the READY nodes it may fill its
     * agent up with, from the {@link ReadyHints}) and, in the common case, one transaction that settles the node,
     * passes its output on, claims the children it makes READY for the finishing agent (eager dispatch) and then
     * those READY nodes still READY up to {@code next.max()} ({@link Dispatch#fill}), and counts whether the run is
     * complete. {@link Finished#filled()} only when it claimed all {@code next.max()}: fewer, and its caller claims
     * the rest from etcd's ready keys.
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
        List<Keys.NodeRef> read = new ArrayList<>(1 + children.size());
        read.add(new Keys.NodeRef(runId, name));
        if (children.size() <= smallFinish) {
            // a successful finish changes them: read them with the node
            children.forEach(child -> read.add(new Keys.NodeRef(runId, child)));
        }
        int ofRun = read.size();
        List<Keys.NodeRef> candidates = candidates(shape, name, children, holder, next);
        read.addAll(candidates);
        // the candidates to hint again: all of them until read, then those read READY and not claimed
        List<Keys.NodeRef> giveBack = new ArrayList<>(candidates);
        try {
            return settle(shape, name, claimId, holder, next, decider, read, ofRun, candidates, giveBack);
        } finally {
            giveBack.forEach(hints::add);
        }
    }

    /**
     * Up to {@code next.max()} less the children (which a finish claims first) READY nodes from the hints, of
     * runs this replica knows and runtimes the agent runs, for a finish that fills up ({@link Dispatch#fill}).
     */
    private List<Keys.NodeRef> candidates(RunShape shape, String name, List<String> children, AgentHolder holder,
                                          Dispatch next) {
        int wanted = next.max() - children.size();
        if (holder == null || next.fill() == null || wanted <= 0 || holder.agent().isEmpty()) {
            return List.of();
        }
        java.util.function.Predicate<Keys.NodeRef> fits = fits(shape, name, children, holder.agent().get());
        List<Keys.NodeRef> out = new ArrayList<>(wanted);
        for (Keys.NodeRef ref : known.reservedFor(next.agentId())) { // read by its last finish: no read now
            if (out.size() < wanted && fits.test(ref)) {
                out.add(ref);
            } else {
                hints.add(ref);
            }
        }
        if (out.size() < wanted) {
            out.addAll(hints.take(wanted - out.size(), fits));
        }
        return out;
    }

    /** Whether a READY node may fill up the finish of {@code name} for {@code agent}: not it or its children. */
    private java.util.function.Predicate<Keys.NodeRef> fits(RunShape shape, String name, List<String> children,
                                                           EtcdCodec.StoredAgent agent) {
        return ref -> {
            if (ref.runId().equals(shape.id()) && (ref.name().equals(name) || children.contains(ref.name()))) {
                return false;
            }
            Optional<RunShape> of = shapes.cached(ref.runId());
            return of.isPresent() && of.get().topology().contains(ref.name())
                    && agent.agent().runs(of.get().topology().spec(ref.name()).runtime());
        };
    }

    private Finished settle(RunShape shape, String name, String claimId, AgentHolder holder, Dispatch next,
                            Decider decider, List<Keys.NodeRef> read, int ofRun, List<Keys.NodeRef> candidates,
                            List<Keys.NodeRef> giveBack) {
        String runId = shape.id();
        Topology topology = shape.topology();
        List<ClaimOutcome> dispatched = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<io.adagio.repository.CancelledClaim>[] stops = new List[]{List.of()};
        boolean[] repeat = {false};
        boolean[] completed = {false};
        boolean[] filled = {false};
        io.adagio.model.RunOutcome[] verdict = {null};
        Map<Keys.NodeRef, Node> inHand = new java.util.HashMap<>();
        Node node = txns.retry("finishing " + runId + "/" + name, attempt -> {
            dispatched.clear();
            inHand.clear();
            Reading reading = read(read, ofRun, runId, attempt == 0);
            FinishDecision d = reading.fromKnown ? decideOrNull(decider, reading.facts.get(name))
                    : decider.decide(reading.facts.get(name));
            if (reading.fromKnown && !(d instanceof FinishDecision.Applied)) {
                reading = read(read, ofRun, runId, false); // decided from known facts: again, from etcd's
                d = decider.decide(reading.facts.get(name));
            }
            Map<Keys.NodeRef, NodeFacts> got = reading.got;
            Map<String, NodeFacts> facts = reading.facts;
            NodeFacts own = facts.get(name);
            giveBack.clear();
            candidates.stream().filter(c -> got.containsKey(c) && got.get(c).node().status() == NodeStatus.READY)
                    .forEach(giveBack::add);
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
            } else if (!candidates.isEmpty() && step.claimed.size() < next.max()) {
                List<NodeFacts> ready = new ArrayList<>();
                candidates.stream().map(got::get).filter(java.util.Objects::nonNull).forEach(ready::add);
                step.fill(ready, holder, next);
            }
            if (!inSteps && !candidates.isEmpty()) {
                // what its next finish will fill up with, read by this transaction after its writes
                step.readAhead(next.agentId(), hints.take(next.max(),
                        fits(shape, name, topology.children(name), holder.agent().get())));
            }
            try {
                Optional<Boolean> done = step.commit(!inSteps && finished.status() == NodeStatus.COMPLETED,
                        holder == null || inSteps ? null : next.agentId());
                if (done.isEmpty()) {
                    return Optional.empty();
                }
                completed[0] = done.get();
                verdict[0] = step.outcome;
            } catch (LeaseGone e) {
                if (holder != null) {
                    holder.ended(); // the finishing agent's lease ended while dispatching to it: it cannot hold more
                }
                return Optional.empty();
            }
            dispatched.addAll(step.claimed);
            step.filling.forEach(c -> giveBack.remove(new Keys.NodeRef(c.runId(), c.node().name())));
            inHand.putAll(step.prefetched);
            filled[0] = !candidates.isEmpty() && dispatched.size() >= next.max();
            stops[0] = step.cancelled;
            if (inSteps) {
                passOn(shape, propagation.get(), step.revision);
                completed[0] = finished.status() == NodeStatus.COMPLETED && runs.isRunCompleted(runId);
            }
            return Optional.of(finished);
        });
        inHand.put(new Keys.NodeRef(runId, name), node);
        if (repeat[0]) {
            return new Finished(node, next.max() > 0
                    ? inputs.filled(dispatchedBefore(shape, node, claimId, holder), inHand) : List.of(), false, true);
        }
        // the outcome as the completing transaction read it (a finish done in steps did not: null)
        return new Finished(node, inputs.filled(dispatched, inHand), completed[0], false, stops[0],
                completed[0] ? verdict[0] : null, filled[0]);
    }

    /** What a finish attempt read: every node's facts, its run's by name, and whether any came from {@link KnownFacts}. */
    private record Reading(Map<Keys.NodeRef, NodeFacts> got, Map<String, NodeFacts> facts, boolean fromKnown) {
    }

    /**
     * The facts of {@code refs} (the first {@code ofRun} of the finished node's run, which must all exist); with
     * {@code knownFirst}, those this replica knows ({@link KnownFacts}; the others, READY nodes to fill up with, also
     * as its watch saw them: {@link ReadyHints#factsOf}) are not read.
     */
    private Reading read(List<Keys.NodeRef> refs, int ofRun, String runId, boolean knownFirst) {
        Map<Keys.NodeRef, NodeFacts> got = new java.util.HashMap<>();
        List<Keys.NodeRef> missing = refs;
        if (knownFirst) {
            missing = new ArrayList<>();
            for (int i = 0; i < refs.size(); i++) {
                Keys.NodeRef ref = refs.get(i);
                NodeFacts f = known.take(ref);
                if (f == null && i >= ofRun) {
                    f = hints.factsOf(ref); // a READY node to fill up with, as the watch saw it
                }
                if (f != null) {
                    got.put(ref, f);
                } else {
                    missing.add(ref);
                }
            }
        }
        boolean fromKnown = !got.isEmpty();
        if (!missing.isEmpty()) {
            got.putAll(reader.read(missing));
        }
        Map<String, NodeFacts> facts = new java.util.HashMap<>();
        for (int i = 0; i < ofRun; i++) {
            NodeFacts f = got.get(refs.get(i));
            if (f == null) { // node keys go only with their run: it was deleted
                throw new io.adagio.repository.NotFoundException("run", runId);
            }
            facts.put(f.node().name(), f);
        }
        return new Reading(got, facts, fromKnown);
    }

    /** The decision, or null when it refused (to be taken again from a read). */
    private static FinishDecision decideOrNull(Decider decider, NodeFacts own) {
        try {
            return decider.decide(own);
        } catch (io.adagio.repository.RepositoryException e) {
            return null;
        }
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
     * the children it claims for the finishing agent, and optionally a count of the run's completed nodes with the
     * first of its verdict keys (its outcome, should the count say it is complete).
     */
    private final class Step {
        private final RunShape shape;
        private final Node finished;
        private final List<Cmp> guards = new ArrayList<>();
        private final List<Op> ops = new ArrayList<>();
        private final List<ClaimOutcome> claimed = new ArrayList<>();
        /** Those of {@link #claimed} that fill up ({@link #fill}): not children of the finished node. */
        private final List<ClaimOutcome> filling = new ArrayList<>();
        /** The parents of {@link #filling}, read by the transaction itself ({@link EtcdInputs#prefetch}). */
        private final Map<Keys.NodeRef, Node> prefetched = new java.util.HashMap<>();
        /**
         * Whether a node of the finished node's run that this transaction writes is not COMPLETED after it (a
         * child made READY or claimed, a target still WAITING, a sibling claimed to fill up): then the run is not
         * complete after it, so its completed nodes need no counting (a count costs etcd all of their keys).
         */
        private boolean runStaysOpen;
        /** READY nodes read by this transaction for {@link #nextFor}'s next finish ({@link #readAhead}). */
        private List<Keys.NodeRef> nextReady = List.of();
        private String nextFor;
        /** The lease the {@link #claimed} nodes are put on (the finishing agent's). */
        private long claimLease;
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
                        claimLease = lease;
                        claimed.add(ClaimOutcome.won(shape.id(), claim, next2));
                    }
                }
                bytes += Propagator.writes(keys, codec, shape.id(), target.node(), next2, on, ops);
                runStaysOpen |= next2.status() != NodeStatus.COMPLETED;
            }
            bytes += guards.size() * (long) (keys.node(shape.id(), finished.name()).length() + 40);
            return guards.size() + ops.size() + END_READS <= limits.maxTxnOps() && bytes <= limits.bytes();
        }

        /**
         * Claims those of {@code ready} still READY (as read, and guarded so) for {@code holder} until it holds
         * {@code next.max()}, each with a {@link Dispatch#fillClaim}, while the transaction stays in etcd's limits
         * (leaving room for the reads {@link #commit} adds).
         */
        void fill(List<NodeFacts> ready, AgentHolder holder, Dispatch next) {
            long lease = holder.lease();
            Optional<EtcdCodec.StoredAgent> agent = holder.agent();
            if (lease <= 0 || agent.isEmpty()) {
                return;
            }
            for (NodeFacts f : ready) {
                if (claimed.size() >= next.max()) {
                    return;
                }
                if (f.node().status() != NodeStatus.READY || !agent.get().agent().runs(f.node().spec().runtime())) {
                    continue;
                }
                Claim claim = next.fillClaim();
                if (Transitions.claim(f.node(), claim, clock.instant()) instanceof ClaimDecision.Claimed c) {
                    List<Op> mine = new ArrayList<>();
                    long size = Propagator.writes(keys, codec, f.runId(), f.node(), c.node(), lease, mine);
                    List<Cmp> theirs = f.guards(keys);
                    size += theirs.size() * (long) (keys.node(f.runId(), f.node().name()).length() + 40);
                    if (guards.size() + theirs.size() + ops.size() + mine.size() + END_READS + EtcdInputs.PREFETCH
                            > limits.maxTxnOps() || bytes + size > limits.bytes()) {
                        return;
                    }
                    guards.addAll(theirs);
                    ops.addAll(mine);
                    bytes += size;
                    claimLease = lease;
                    runStaysOpen |= f.runId().equals(shape.id());
                    ClaimOutcome won = ClaimOutcome.won(f.runId(), claim, c.node());
                    claimed.add(won);
                    filling.add(won);
                }
            }
        }

        /**
         * The children of the nodes claimed (when each has few), to read at the end of the transaction while it
         * stays within etcd's operations limit with {@code used} operations besides; none without claims.
         */
        /**
         * Reads the READY nodes {@code refs} (taken from the hints) at the end of the transaction, to leave those
         * still READY to {@code agentId}'s next finish ({@link KnownFacts#reserve}); given back to the hints when
         * the transaction is not committed or has no room for them.
         */
        void readAhead(String agentId, List<Keys.NodeRef> refs) {
            nextFor = agentId;
            nextReady = refs;
        }

        private static int r(boolean present) {
            return present ? 1 : 0;
        }

        /**
         * Commits; when the run {@code mayComplete} and no node written stays open ({@link #runStaysOpen}), also
         * counts the run's completed nodes in the same transaction, and reads its first verdict key for its
         * {@link #outcome}; with {@code signalsFor} (an agent id), also
         * reads the signal keys, to answer the claims that agent holds whose run was cancelled ({@link #cancelled}).
         *
         * @return empty on a conflict; otherwise whether the run is complete
         */
        Optional<Boolean> commit(boolean mayComplete, String signalsFor) {
            boolean count = mayComplete && !runStaysOpen;
            if (count) {
                String prefix = keys.statesOf(NodeStatus.COMPLETED, shape.id());
                ops.add(Op.get(Keys.bytes(prefix),
                        GetOption.builder().withRange(Keys.prefixEnd(prefix)).withCountOnly(true).build()));
                // its outcome, should it be complete: the first of its verdict keys, if it has any
                String verdicts = keys.verdictsOf(shape.id());
                ops.add(Op.get(Keys.bytes(verdicts), GetOption.builder().withRange(Keys.prefixEnd(verdicts))
                        .withKeysOnly(true).withLimit(1).build()));
            }
            if (signalsFor != null) {
                ops.add(signals.read());
            }
            // the children of the nodes it claims, read after its writes, so that their finishes need no read
            int aheadFrom = COMPLETION_READS * r(count) + r(signalsFor != null);
            List<Keys.NodeRef> ahead = children.of(claimed,
                    limits.maxTxnOps() - (guards.size() + ops.size() + 1 + EtcdInputs.PREFETCH));
            children.addGets(ahead, ops);
            if (guards.size() + ops.size() + 1 + EtcdInputs.PREFETCH + NodeReader.EXPECTED_GETS * nextReady.size() > limits.maxTxnOps()) {
                nextReady.forEach(hints::add);
                nextReady = List.of();
            }
            int nextFrom = aheadFrom + NodeReader.EXPECTED_GETS * ahead.size();
            nextReady.forEach(ref -> reader.addGets(ref, NodeStatus.READY, ops));
            boolean committed = false;
            try {
                committed = commit(count, signalsFor, aheadFrom, ahead, nextFrom);
            } finally {
                if (!committed) {
                    nextReady.forEach(hints::add);
                }
            }
            return committed ? Optional.of(complete) : Optional.empty();
        }

        /** Whether the run was complete, as the committed transaction counted (false without a count). */
        private boolean complete;
        /** When {@link #complete}, the run's outcome, as its verdict keys said in the same transaction. */
        private io.adagio.model.RunOutcome outcome;

        private boolean commit(boolean count, String signalsFor, int aheadFrom, List<Keys.NodeRef> ahead, int nextFrom) {
            EtcdInputs.Prefetch parents = filling.isEmpty() ? null : inputs.prefetch(filling);
            if (parents != null) {
                ops.addAll(parents.gets()); // last: read from the end of the answer
            }
            Optional<TxnResponse> r = txns.apply(guards, ops, "finishing " + shape.id() + "/" + finished.name());
            if (r.isEmpty()) {
                claimed.clear();
                filling.clear();
                return false;
            }
            revision = r.get().getHeader().getRevision();
            if (parents != null) {
                prefetched.putAll(parents.read(r.get()));
            }
            for (ClaimOutcome c : claimed) {
                known.put(new NodeFacts(c.runId(), c.node(), revision, Map.of(NodeStatus.RUNNING, revision), claimLease));
            }
            List<io.etcd.jetcd.kv.GetResponse> got = r.get().getGetResponses();
            children.keep(ahead, got, aheadFrom);
            List<NodeFacts> ready = new ArrayList<>();
            for (int i = 0; i < nextReady.size(); i++) {
                int at = nextFrom + NodeReader.EXPECTED_GETS * i;
                NodeFacts f = reader.factsIf(nextReady.get(i), NodeStatus.READY, got.subList(at, at + NodeReader.EXPECTED_GETS));
                if (f != null) {
                    ready.add(f);
                }
            }
            if (!ready.isEmpty()) {
                known.reserve(nextFor, ready);
            }
            if (signalsFor != null) {
                cancelled = signals.cancelledIn(r.get().getGetResponses().get(COMPLETION_READS * r(count)).getKvs(),
                        signalsFor);
            }
            complete = count && r.get().getGetResponses().get(0).getCount() == shape.topology().size();
            if (complete) {
                List<io.etcd.jetcd.KeyValue> first = r.get().getGetResponses().get(1).getKvs();
                outcome = keys.verdict(shape.id(), first.isEmpty() ? null : first.get(0).getKey().toString());
            }
            return true;
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
