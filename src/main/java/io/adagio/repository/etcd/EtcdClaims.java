package io.adagio.repository.etcd;

import io.adagio.engine.ClaimDecision;
import io.adagio.engine.Transitions;
import io.adagio.model.Claim;
import io.adagio.model.NodeStatus;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.LeaseNotFoundException;
import io.adagio.repository.NodeNotReadyException;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.Op;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Claims, each decided by the engine ({@link Transitions#claim}) from facts read here (or, for a node the watch
 * saw made READY, as it saw them: {@link ReadyHints#factsOf}; read after a conflict) and applied as one
 * transaction ({@link GuardedTxns}) guarded by the node key's and its state key's mod revisions ({@link NodeFacts#guards}); the running
 * state key is put with the claiming agent's lease, so it vanishes when the lease ends. Batch claims take up to
 * {@link TxnLimits#nodesPerTxn()} nodes a transaction; {@link #heldFor} finds a request's claims again.
 */
final class EtcdClaims {
    /**
     * The fewest ready nodes a batch claim chooses among at random: agents claiming one node each at once then
     * rarely want the same one (with only {@code 2 × max} to choose from they kept colliding).
     */
    static final int CANDIDATES = 16;
    /** Attempts at a batch claim's transaction before the nodes left are left to other claimers. */
    private static final int BATCH_CLAIM_ATTEMPTS = 5;

    private final Keys keys;
    private final EtcdCodec codec;
    private final KeyRanges ranges;
    private final RunShapes shapes;
    private final NodeReader reader;
    private final EtcdInputs inputs;
    private final EtcdRuns runs;
    private final EtcdAgents agents;
    private final GuardedTxns txns;
    private final Clock clock;
    /** Nodes a batch claim claims in one transaction (at most 5 compares and 3 operations each). */
    private final int claimsPerTxn;
    private final TxnLimits limits;
    /** Where the facts of the nodes it claims are left for their finishes. */
    private final KnownFacts known;
    /** READY nodes the watch has seen: a batch claim tries them before it lists etcd's ready keys. */
    private final ReadyHints hints;
    /** The children of what it claims, read after its writes for the claimed nodes' finishes. */
    private final ChildrenAhead children;

    EtcdClaims(Keys keys, EtcdCodec codec, KeyRanges ranges, RunShapes shapes, NodeReader reader, EtcdInputs inputs,
               EtcdRuns runs, EtcdAgents agents, GuardedTxns txns, Clock clock, TxnLimits limits, KnownFacts known,
               ReadyHints hints, ChildrenAhead children) {
        this.keys = keys;
        this.codec = codec;
        this.ranges = ranges;
        this.shapes = shapes;
        this.reader = reader;
        this.inputs = inputs;
        this.runs = runs;
        this.agents = agents;
        this.txns = txns;
        this.clock = clock;
        this.claimsPerTxn = limits.nodesPerTxn();
        this.limits = limits;
        this.known = known;
        this.hints = hints;
        this.children = children;
    }

    ClaimOutcome claim(String runId, String name, String agentId, Claim claim) {
        EtcdRuns.requireNode(runs.shape(runId), name);
        return claim(runId, name, agentId, claim, new AgentHolder(agents, agentId));
    }

    /** A claim on the agent's lease, as {@code holder} knows it (read again when it turns out to have ended). */
    private ClaimOutcome claim(String runId, String name, String agentId, Claim claim, AgentHolder holder) {
        String what = "claiming " + runId + "/" + name;
        return txns.retry(what, attempt -> {
            long leaseId = holder.lease();
            if (leaseId < 0) {
                throw new LeaseNotFoundException(agentId);
            }
            NodeFacts seen = attempt == 0 ? hints.factsOf(new Keys.NodeRef(runId, name)) : null;
            NodeFacts facts = seen != null ? seen : reader.read(runId, name);
            if (facts.node().status() == NodeStatus.RUNNING && claim.sameRequestAs(facts.node().claim())
                    && holder.holds(facts.runningLease())) {
                return Optional.of(inputs.filled(ClaimOutcome.won(runId, facts.node().claim(), facts.node())));
            }
            ClaimDecision d = Transitions.claim(facts.node(), claim, clock.instant());
            if (d instanceof ClaimDecision.NotReady) {
                throw new NodeNotReadyException(runId, name);
            }
            if (d instanceof ClaimDecision.Paused) {
                throw new io.adagio.repository.RunPausedException(runId);
            }
            if (!(d instanceof ClaimDecision.Claimed claimed)) {
                return Optional.of(ClaimOutcome.notClaimed());
            }
            List<Op> ops = new ArrayList<>();
            Propagator.writes(keys, codec, runId, facts.node(), claimed.node(), leaseId, ops);
            List<ClaimOutcome> won = List.of(ClaimOutcome.won(runId, claim, claimed.node()));
            List<Cmp> guards = facts.guards(keys);
            List<Keys.NodeRef> ahead = aheadOf(won, guards, ops);
            EtcdInputs.Prefetch parents = inputs.prefetch(won);
            ops.addAll(parents.gets());
            try {
                return txns.apply(guards, ops, what)
                        .map(r -> inputs.filled(remembered(won, r, leaseId, ahead), parents.read(r)).get(0));
            } catch (LeaseGone e) {
                holder.ended();
                return Optional.empty();
            }
        });
    }

    /**
     * Claims up to {@code max} READY nodes of the agent's runtimes: first those the watch has seen READY
     * ({@link ReadyHints}: one transaction, no listing, no read of the nodes it saw with their values); when they
     * are fewer, from among the oldest {@value #CANDIDATES} (or {@code 2 × max}, when more) ready keys (oldest run
     * first; a range over {@code states/ready/}, which costs etcd every ready key), taken in a random order so that
     * concurrent claimers rarely want the same node: one read of up to {@code claimsPerTxn} nodes and one transaction
     * claiming all of them, guarded by everything read; on a conflict the nodes are read again and those still
     * READY claimed.
     */
    List<ClaimOutcome> claimReady(String agentId, int max, Supplier<Claim> claims) {
        EtcdCodec.StoredAgent agent = agents.known(agentId).orElseThrow(() -> new LeaseNotFoundException(agentId));
        AgentHolder holder = new AgentHolder(agents, agentId);
        List<ClaimOutcome> out = new ArrayList<>();
        if (max <= 0) {
            return out;
        }
        List<Keys.NodeRef> hinted = hints.take(Math.min(max, claimsPerTxn), ref -> shapes.cached(ref.runId())
                .filter(s -> s.topology().contains(ref.name())
                        && agent.agent().runs(s.topology().spec(ref.name()).runtime())).isPresent());
        if (!hinted.isEmpty()) {
            List<Keys.NodeRef> left = new ArrayList<>();
            out.addAll(claimAll(hinted, agentId, holder, claims, left));
            left.forEach(hints::add);
            if (out.size() >= max) {
                return out;
            }
        }
        List<Keys.NodeRef> candidates = new ArrayList<>();
        int window = Math.max(CANDIDATES, 2 * (max - out.size()));
        ranges.visitKeys(keys.states(NodeStatus.READY), window, readyKey -> {
            keys.parseState(Keys.text(readyKey.getKey())).map(Keys.StateKey::node).ifPresent(ref -> {
                Optional<RunShape> shape = shapes.find(ref.runId());
                if (shape.isPresent() && shape.get().topology().contains(ref.name())
                        && agent.agent().runs(shape.get().topology().spec(ref.name()).runtime())) {
                    candidates.add(ref);
                }
            });
            return candidates.size() < window;
        });
        Collections.shuffle(candidates);
        for (int from = 0; from < candidates.size() && out.size() < max; ) {
            int n = Math.min(claimsPerTxn, Math.min(max - out.size(), candidates.size() - from));
            out.addAll(claimAll(candidates.subList(from, from + n), agentId, holder, claims, new ArrayList<>()));
            from += n;
        }
        return out;
    }

    /**
     * Claims those of {@code refs} that are READY in one transaction; on conflicts, a few times, what is left.
     * {@code left}: those it read READY and did not claim (they did not fit the transaction).
     */
    private List<ClaimOutcome> claimAll(List<Keys.NodeRef> refs, String agentId, AgentHolder holder, Supplier<Claim> claims,
                                        List<Keys.NodeRef> left) {
        return txns.retry("claiming " + refs.size() + " nodes", attempt -> {
            left.clear();
            if (attempt >= BATCH_CLAIM_ATTEMPTS) {
                return Optional.of(List.of()); // others keep taking them first: leave them to others
            }
            long lease = holder.lease();
            if (lease < 0) {
                throw new LeaseNotFoundException(agentId);
            }
            List<Cmp> guards = new ArrayList<>();
            List<Op> ops = new ArrayList<>();
            List<ClaimOutcome> won = new ArrayList<>();
            long bytes = 0;
            boolean full = false;
            for (NodeFacts f : facts(refs, attempt == 0)) {
                if (f.node().status() != NodeStatus.READY) {
                    continue;
                }
                if (full) {
                    left.add(new Keys.NodeRef(f.runId(), f.node().name()));
                    continue;
                }
                Claim claim = claims.get();
                if (Transitions.claim(f.node(), claim, clock.instant()) instanceof ClaimDecision.Claimed c) {
                    List<Op> mine = new ArrayList<>();
                    long size = Propagator.writes(keys, codec, f.runId(), f.node(), c.node(), lease, mine);
                    if (!won.isEmpty() && bytes + size > limits.bytes()) {
                        full = true; // the rest stay READY, for the next claim
                        left.add(new Keys.NodeRef(f.runId(), f.node().name()));
                        continue;
                    }
                    bytes += size;
                    guards.addAll(f.guards(keys));
                    ops.addAll(mine);
                    won.add(ClaimOutcome.won(f.runId(), claim, c.node()));
                }
            }
            if (won.isEmpty()) {
                return Optional.of(won);
            }
            List<Keys.NodeRef> ahead = aheadOf(won, guards, ops);
            EtcdInputs.Prefetch parents = inputs.prefetch(won);
            ops.addAll(parents.gets());
            try {
                return txns.apply(guards, ops, "claiming " + won.size() + " nodes")
                        .map(r -> inputs.filled(remembered(won, r, lease, ahead), parents.read(r)));
            } catch (LeaseGone e) {
                holder.ended();
                return Optional.empty();
            }
        });
    }

    /**
     * The facts of {@code refs}, in their order: with {@code seenFirst}, those the watch saw with their ready keys
     * ({@link ReadyHints#factsOf}) and the rest read; otherwise (after a conflict) all read.
     */
    private java.util.Collection<NodeFacts> facts(List<Keys.NodeRef> refs, boolean seenFirst) {
        if (!seenFirst) {
            return reader.read(refs).values();
        }
        java.util.Map<Keys.NodeRef, NodeFacts> out = new java.util.LinkedHashMap<>();
        List<Keys.NodeRef> missing = new ArrayList<>();
        for (Keys.NodeRef ref : refs) {
            NodeFacts seen = hints.factsOf(ref);
            out.put(ref, seen);
            if (seen == null) {
                missing.add(ref);
            }
        }
        if (!missing.isEmpty()) {
            java.util.Map<Keys.NodeRef, NodeFacts> read = reader.read(missing);
            missing.forEach(ref -> out.put(ref, read.get(ref)));
        }
        out.values().removeIf(java.util.Objects::isNull); // a node whose run was deleted since it was listed
        return out.values();
    }

    /**
     * The children of the nodes {@code won} to read after the claim's writes ({@link ChildrenAhead}), their gets
     * added to {@code ops} (before the inputs' prefetch, which is read from the end of the answer).
     */
    private List<Keys.NodeRef> aheadOf(List<ClaimOutcome> won, List<Cmp> guards, List<Op> ops) {
        List<Keys.NodeRef> ahead = children.of(won,
                limits.maxTxnOps() - (guards.size() + ops.size() + EtcdInputs.PREFETCH));
        children.addGets(ahead, ops);
        return ahead;
    }

    /**
     * The claims {@code r} committed, their facts and those of their children read after the writes
     * ({@code ahead}) remembered ({@link KnownFacts}) for the finishes to come.
     */
    private List<ClaimOutcome> remembered(List<ClaimOutcome> won, io.etcd.jetcd.kv.TxnResponse r, long lease,
                                          List<Keys.NodeRef> ahead) {
        long revision = r.getHeader().getRevision();
        for (ClaimOutcome c : won) {
            known.put(new NodeFacts(c.runId(), c.node(), revision, java.util.Map.of(NodeStatus.RUNNING, revision), lease));
        }
        children.keep(ahead, r.getGetResponses(), 0);
        return won;
    }

    /**
     * The nodes on the agent's lease whose claims were made for {@code requestId}: the lease's attached keys
     * (one call), then those running nodes read (one call). When the lease this replica knows holds none, the
     * agent is read again (it may have registered anew through another replica) and its lease asked too.
     */
    List<ClaimOutcome> heldFor(String agentId, String requestId) {
        long known = new AgentHolder(agents, agentId).lease();
        List<ClaimOutcome> out = known < 0 ? List.of() : heldOn(known, requestId);
        if (out.isEmpty()) {
            long now = agents.stored(agentId).map(EtcdCodec.StoredAgent::leaseId).orElse(-1L);
            if (now >= 0 && now != known) {
                out = heldOn(now, requestId);
            }
        }
        return inputs.filled(out);
    }

    private List<ClaimOutcome> heldOn(long lease, String requestId) {
        List<Keys.NodeRef> running = new ArrayList<>();
        for (String key : agents.keysOn(lease)) {
            keys.parseState(key).filter(k -> k.status() == NodeStatus.RUNNING).map(Keys.StateKey::node)
                    .ifPresent(running::add);
        }
        List<ClaimOutcome> out = new ArrayList<>();
        for (NodeFacts f : reader.read(running).values()) {
            Claim claim = f.node().claim();
            if (f.node().status() == NodeStatus.RUNNING && f.runningLease() == lease && claim != null
                    && requestId.equals(claim.requestId())) {
                out.add(ClaimOutcome.won(f.runId(), claim, f.node()));
            }
        }
        return out;
    }
}
