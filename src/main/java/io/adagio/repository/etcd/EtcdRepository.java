package io.adagio.repository.etcd;

import com.github.f4b6a3.ulid.Ulid;
import io.adagio.engine.ClaimDecision;
import io.adagio.engine.FinishDecision;
import io.adagio.engine.Propagation;
import io.adagio.engine.RunVerdict;
import io.adagio.engine.Topology;
import io.adagio.engine.Transitions;
import io.adagio.model.Agent;
import io.adagio.model.Claim;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.Run;
import io.adagio.model.Stats;
import io.adagio.repository.AgentLease;
import io.adagio.repository.BackendUnavailableException;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Cursor;
import io.adagio.repository.EventFilter;
import io.adagio.repository.EventSink;
import io.adagio.repository.LeaseNotFoundException;
import io.adagio.repository.NodeNotReadyException;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.Repository;
import io.adagio.repository.RunQuery;
import io.adagio.repository.StaleClaimException;
import io.adagio.repository.Subscription;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The etcd backend (keyspace in {@link io.adagio.repository.etcd}). It reads facts, asks
 * {@code io.adagio.engine} what changes, and applies the answer as one etcd transaction whose compares assert
 * that everything read is unchanged; on a conflict it reads again and retries, at most
 * {@link EtcdOptions#maxRetries()} times, then answers {@link BackendUnavailableException}.
 *
 * <ul>
 *   <li>Start writes node and state keys in batches and the run key last ({@link RunStarter}); readers ignore
 *       runs whose run key does not exist, so a run is seen whole or not at all.</li>
 *   <li>Claim: one transaction guarded by the node key's and all four state keys' mod revisions; the running
 *       state key is put with the claiming agent's lease, so it vanishes when the lease ends.</li>
 *   <li>Finish reads only the node and the neighbours the engine names (O(degree)), guarded the same way;
 *       the node value's claim id and the running key's mod revision fence it. A finish too large for one
 *       transaction records an intent with the node and is passed on in batches ({@link Propagator});
 *       pending intents left by a crash are completed by a periodic recovery on every replica.</li>
 *   <li>Agents: {@code agents/<id>} is put with the agent's lease; the value carries the lease id, so any
 *       replica can renew ({@code keepAliveOnce}) or revoke it.</li>
 *   <li>Events: one supervised watch, fanned out in memory ({@link EventHub}).</li>
 * </ul>
 *
 * <p>Every call has a deadline ({@link EtcdOptions#timeout()}); an unreachable etcd is a
 * {@link BackendUnavailableException}, never a hang. Thread-safe.
 */
public final class EtcdRepository implements Repository, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EtcdRepository.class);
    /** The most neighbours a finish changes in its own transaction: (1 + 15) nodes × 8 compares and operations. */
    static final int SMALL_FINISH = Propagator.MAX_TXN_OPS / Propagator.OPS_PER_NODE - 1;
    /** Attempts at a finish in one transaction before it is done in steps (fenced by the node alone). */
    private static final int SINGLE_TXN_ATTEMPTS = 3;
    private static final Duration MAX_RECOVERY_INTERVAL = Duration.ofSeconds(10);
    private static final int LIST_PAGE = 100;

    private final Client client;
    private final KV kv;
    private final Lease leases;
    private final Clock clock;
    private final EtcdOptions options;
    private final Keys keys;
    private final EtcdCodec codec = new EtcdCodec();
    private final EtcdCalls calls;
    private final KeyRanges ranges;
    private final RunShapes shapes;
    private final NodeReader reader;
    private final RunStarter starter;
    /** Runs read per transaction by {@link #views}: five reads each, within etcd's 128 operations. */
    private static final int VIEWS_PER_TXN = 25;

    private final EventHub hub;
    private final Propagator propagator;
    private final ScheduledExecutorService recovery;
    private volatile Duration intentGrace = Duration.ofSeconds(5);
    /** Lease ids of agents registered through this replica (the agent key holds them for every replica). */
    private final Map<String, Long> knownLeases = new ConcurrentHashMap<>();

    /**
     * Connects to etcd (lazily: no call is made here) and starts the event watch, which waits for etcd if it
     * is not reachable yet.
     */
    public EtcdRepository(EtcdOptions options, Clock clock) {
        this.options = options;
        this.clock = clock;
        this.client = Client.builder()
                .endpoints(options.endpoints().toArray(String[]::new))
                .connectTimeout(options.timeout())
                .retryMaxDuration(options.timeout())
                .waitForReady(false)
                .maxInboundMessageSize(64 * 1024 * 1024)
                .build();
        this.kv = client.getKVClient();
        this.leases = client.getLeaseClient();
        this.keys = new Keys(options.namespace(), options.list());
        this.calls = new EtcdCalls(options.timeout());
        this.ranges = new KeyRanges(kv, calls);
        this.shapes = new RunShapes(kv, keys, codec, calls);
        this.reader = new NodeReader(kv, keys, codec, calls);
        this.starter = new RunStarter(kv, keys, codec, calls);
        this.hub = new EventHub(client.getWatchClient(), kv, keys, ranges, new WatchTranslator(keys, shapes),
                new ClaimableNodes(keys, ranges, shapes), options.historySize(), options.sweepInterval(), options.timeout());
        this.propagator = new Propagator(kv, keys, codec, calls, reader, ranges, shapes, clock, options.maxRetries());
        this.recovery = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "adagio-etcd-recovery");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(100, Math.min(options.sweepInterval().toMillis(), MAX_RECOVERY_INTERVAL.toMillis()));
        recovery.scheduleWithFixedDelay(this::recoverQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Checks that etcd answers within the deadline (for readiness probes).
     *
     * @return etcd's current revision
     * @throws io.adagio.repository.BackendUnavailableException when it does not
     */
    public long ping() {
        return ranges.currentRevision(keys.root());
    }

    /** Reports every etcd call (latency, failures) and transaction conflict to {@code observer}. */
    public void observe(EtcdObserver observer) {
        calls.observe(observer);
    }

    /** The options this repository was made with. */
    public EtcdOptions options() {
        return options;
    }

    /** Test hook: told the count of batches written after each batch of a start; throwing fails the start. */
    void afterStartBatch(IntConsumer hook) {
        starter.afterBatch(hook);
    }

    // ---- runs ---------------------------------------------------------------------------------------------

    @Override
    public Run startRun(Run run) {
        RunShape shape = starter.start(run);
        shapes.remember(shape);
        return new Run(run.id(), run.createdAt(), RunVerdict.status(run.nodes()), RunVerdict.outcome(run.nodes()),
                run.nodes(), run.edges());
    }

    @Override
    public Run inspectRun(String runId) {
        return view(shape(runId));
    }

    @Override
    public Node inspectNode(String runId, String name) {
        RunShape shape = shape(runId);
        requireNode(shape, name);
        return reader.read(runId, name).node();
    }

    @Override
    public List<Run> listRuns(RunQuery query) {
        List<Run> out = new ArrayList<>();
        if (query.limit() <= 0 || query.newest().isBefore(query.oldest())) {
            return out;
        }
        ByteSequence from = Keys.bytes(keys.run(Ulid.min(Math.max(0, query.oldest().toEpochMilli())).toString()));
        ByteSequence end = Keys.after(Keys.bytes(keys.run(Ulid.max(query.newest().toEpochMilli()).toString())));
        while (out.size() < query.limit()) {
            List<RunShape> selected = new ArrayList<>();
            GetResponse page = calls.await(kv.get(from, GetOption.builder().withRange(end)
                    .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.DESCEND)
                    .withLimit(LIST_PAGE).build()), "listing runs");
            for (KeyValue runKey : page.getKvs()) {
                Optional<String> id = keys.parseRun(Keys.text(runKey.getKey()));
                if (id.isEmpty()) {
                    continue;
                }
                RunShape shape = shapes.remember(id.get(), runKey);
                if (query.includes(shape.createdAt()) && out.size() + selected.size() < query.limit()) {
                    selected.add(shape);
                }
            }
            out.addAll(views(selected));
            if (!page.isMore() || page.getKvs().isEmpty()) {
                break;
            }
            end = page.getKvs().get(page.getKvs().size() - 1).getKey();
        }
        return out;
    }

    /**
     * Counts at one revision: count-only ranges over {@code runs/}, {@code nodes/} and each state; orphaned =
     * node keys without a state key. The nodes of a start still in flight (batches written, run key not yet)
     * are counted with their states; a start that fails removes its batches.
     */
    @Override
    public Stats stats() {
        long at = ranges.currentRevision(keys.root());
        long[] states = new long[Keys.KEYED.size()];
        long keyed = 0;
        for (int i = 0; i < states.length; i++) {
            states[i] = ranges.count(keys.states(Keys.KEYED.get(i)), at);
            keyed += states[i];
        }
        long nodes = ranges.count(keys.nodes(), at);
        return new Stats(ranges.count(keys.runs(), at),
                new Stats.NodeCounts(states[0], states[1], states[2], states[3], Math.max(0, nodes - keyed)));
    }

    /**
     * Counts only, in one read-only transaction (no node is read): no waiting, ready or running key, and a
     * completed key for every node.
     */
    @Override
    public boolean isRunCompleted(String runId) {
        RunShape shape = shape(runId);
        List<Op> counts = new ArrayList<>();
        for (NodeStatus st : Keys.KEYED) {
            String prefix = keys.statesOf(st, runId);
            counts.add(Op.get(Keys.bytes(prefix), GetOption.builder().withRange(Keys.prefixEnd(prefix)).withCountOnly(true).build()));
        }
        List<GetResponse> answers = calls.await(kv.txn().Then(counts.toArray(Op[]::new)).commit(),
                "counting the states of " + runId).getGetResponses();
        for (int i = 0; i < Keys.KEYED.size(); i++) {
            long n = answers.get(i).getCount();
            if (Keys.KEYED.get(i) == NodeStatus.COMPLETED ? n != shape.topology().size() : n > 0) {
                return false;
            }
        }
        return true;
    }

    private RunShape shape(String runId) {
        return shapes.find(runId).orElseThrow(() -> new NotFoundException("run", runId));
    }

    private static void requireNode(RunShape shape, String name) {
        if (!shape.topology().contains(name)) {
            throw new NotFoundException("node", shape.id() + "/" + name);
        }
    }

    /** The run with every node, read at one revision in one transaction of prefix reads. */
    private Run view(RunShape shape) {
        return views(List.of(shape)).get(0);
    }

    /**
     * The runs with every node. Each run costs five prefix reads (its four state prefixes and its node prefix),
     * and the reads of up to {@link #VIEWS_PER_TXN} runs go in one read-only transaction, so a page of runs is a
     * handful of round trips, each at one revision.
     */
    private List<Run> views(List<RunShape> shapes) {
        List<Run> out = new ArrayList<>(shapes.size());
        for (int from = 0; from < shapes.size(); from += VIEWS_PER_TXN) {
            List<RunShape> group = shapes.subList(from, Math.min(shapes.size(), from + VIEWS_PER_TXN));
            List<Op> gets = new ArrayList<>();
            for (RunShape shape : group) {
                for (NodeStatus st : Keys.KEYED) {
                    String prefix = keys.statesOf(st, shape.id());
                    gets.add(Op.get(Keys.bytes(prefix), GetOption.builder().withRange(Keys.prefixEnd(prefix)).withKeysOnly(true).build()));
                }
                String nodes = keys.nodesOf(shape.id());
                gets.add(Op.get(Keys.bytes(nodes), GetOption.builder().withRange(Keys.prefixEnd(nodes)).build()));
            }
            List<GetResponse> answers = calls.await(kv.txn().Then(gets.toArray(Op[]::new)).commit(), "reading runs")
                    .getGetResponses();
            int at = 0;
            for (RunShape shape : group) {
                Map<String, NodeStatus> status = new HashMap<>();
                for (NodeStatus st : Keys.KEYED) {
                    for (KeyValue stateKey : answers.get(at++).getKvs()) {
                        keys.parseState(Keys.text(stateKey.getKey())).ifPresent(k -> status.put(k.node().name(), st));
                    }
                }
                Map<String, Node> byName = new HashMap<>();
                for (KeyValue nodeKey : answers.get(at++).getKvs()) {
                    keys.parseNode(Keys.text(nodeKey.getKey())).ifPresent(ref -> byName.put(ref.name(),
                            codec.node(nodeKey.getValue()).withStatus(status.getOrDefault(ref.name(), NodeStatus.NONE))));
                }
                out.add(assemble(shape, byName));
            }
        }
        return out;
    }

    private static Run assemble(RunShape shape, Map<String, Node> byName) {
        List<Node> nodes = new ArrayList<>(shape.topology().size());
        for (NodeSpec spec : shape.topology().specs()) {
            Node n = byName.get(spec.name());
            if (n == null) {
                throw new IllegalStateException("node key of " + shape.id() + "/" + spec.name() + " is missing");
            }
            nodes.add(n);
        }
        return new Run(shape.id(), shape.createdAt(), RunVerdict.status(nodes), RunVerdict.outcome(nodes), nodes,
                shape.topology().edges());
    }

    // ---- agents -------------------------------------------------------------------------------------------

    @Override
    public List<Agent> listAgents() {
        List<Agent> out = new ArrayList<>();
        for (KeyValue agentKey : ranges.all(keys.agents(), 0, false)) {
            out.add(codec.agent(agentKey.getValue()).agent());
        }
        out.sort(Comparator.comparing(Agent::id));
        return out;
    }

    @Override
    public AgentLease registerAgent(Agent agent, Duration ttl) {
        ByteSequence key = Keys.bytes(keys.agent(agent.id()));
        for (int attempt = 0; attempt <= options.maxRetries(); attempt++) {
            GetResponse got = calls.await(kv.get(key), "reading agent " + agent.id());
            long readRevision = 0;
            long leaseId = 0;
            long ttlMillis = ttl.toMillis();
            if (!got.getKvs().isEmpty()) {
                KeyValue current = got.getKvs().get(0);
                EtcdCodec.StoredAgent stored = codec.agent(current.getValue());
                readRevision = current.getModRevision();
                if (renew(stored.leaseId())) {
                    leaseId = stored.leaseId();
                    ttlMillis = stored.ttlMillis();
                }
            }
            boolean granted = leaseId == 0;
            if (granted) {
                long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
                leaseId = calls.await(leases.grant(seconds), "granting a lease to " + agent.id()).getID();
            }
            ByteSequence value = codec.agent(new EtcdCodec.StoredAgent(agent, leaseId, ttlMillis));
            try {
                TxnResponse r = calls.await(kv.txn()
                        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(readRevision)))
                        .Then(Op.put(key, value, PutOption.builder().withLeaseId(leaseId).build()))
                        .commit(), "registering agent " + agent.id());
                if (r.isSucceeded()) {
                    knownLeases.put(agent.id(), leaseId);
                    return new AgentLease(agent, Duration.ofMillis(ttlMillis));
                }
            } catch (BackendUnavailableException e) {
                if (!EtcdCalls.isLeaseNotFound(e)) {
                    throw e;
                }
            }
            if (granted) {
                revokeQuietly(leaseId);
            }
        }
        throw new BackendUnavailableException("registering agent " + agent.id() + " kept conflicting", null);
    }

    @Override
    public AgentLease heartbeat(String agentId) {
        Optional<EtcdCodec.StoredAgent> stored = agent(agentId);
        if (stored.isEmpty() || !renew(stored.get().leaseId())) {
            knownLeases.remove(agentId);
            throw new LeaseNotFoundException(agentId);
        }
        return new AgentLease(stored.get().agent(), Duration.ofMillis(stored.get().ttlMillis()));
    }

    /** Revokes the agent's lease: etcd deletes its agent key and its running keys (they become orphaned). */
    @Override
    public void unregisterAgent(String agentId) {
        Long known = knownLeases.remove(agentId);
        Optional<EtcdCodec.StoredAgent> stored = agent(agentId);
        Set<Long> ids = new HashSet<>();
        stored.ifPresent(a -> ids.add(a.leaseId()));
        if (known != null) {
            ids.add(known);
        }
        for (long id : ids) {
            try {
                calls.await(leases.revoke(id), "revoking the lease of " + agentId);
            } catch (BackendUnavailableException e) {
                if (!EtcdCalls.isLeaseNotFound(e)) {
                    throw e;
                }
            }
        }
    }

    private Optional<EtcdCodec.StoredAgent> agent(String agentId) {
        GetResponse got = calls.await(kv.get(Keys.bytes(keys.agent(agentId))), "reading agent " + agentId);
        return got.getKvs().isEmpty() ? Optional.empty() : Optional.of(codec.agent(got.getKvs().get(0).getValue()));
    }

    /** Renews a lease once; false when it does not exist any more. */
    private boolean renew(long leaseId) {
        if (leaseId == 0) {
            return false;
        }
        try {
            LeaseKeepAliveResponse r = calls.await(leases.keepAliveOnce(leaseId), "renewing lease " + leaseId);
            return r.getTTL() > 0;
        } catch (BackendUnavailableException e) {
            if (EtcdCalls.isLeaseNotFound(e)) {
                return false;
            }
            throw e;
        }
    }

    private void revokeQuietly(long leaseId) {
        try {
            calls.await(leases.revoke(leaseId), "revoking lease " + leaseId);
        } catch (RuntimeException e) {
            log.debug("could not revoke unused lease {}", leaseId, e);
        }
    }

    // ---- claim and finish ---------------------------------------------------------------------------------

    @Override
    public ClaimOutcome claimNode(String runId, String name, String agentId, Claim claim) {
        RunShape shape = shape(runId);
        requireNode(shape, name);
        for (int attempt = 0; attempt <= options.maxRetries(); attempt++) {
            EtcdCodec.StoredAgent agent = agent(agentId).orElseThrow(() -> new LeaseNotFoundException(agentId));
            NodeFacts facts = reader.read(runId, name);
            ClaimDecision d = Transitions.claim(facts.node(), claim, clock.instant());
            if (d instanceof ClaimDecision.NotReady) {
                throw new NodeNotReadyException(runId, name);
            }
            if (!(d instanceof ClaimDecision.Claimed claimed)) {
                return ClaimOutcome.notClaimed();
            }
            List<Op> ops = new ArrayList<>();
            ops.add(Op.put(Keys.bytes(keys.node(runId, name)), codec.node(claimed.node()), PutOption.DEFAULT));
            if (facts.node().status() != NodeStatus.NONE) {
                ops.add(Op.delete(Keys.bytes(keys.state(facts.node().status(), runId, name)), DeleteOption.DEFAULT));
            }
            ops.add(Op.put(Keys.bytes(keys.state(NodeStatus.RUNNING, runId, name)), ByteSequence.EMPTY,
                    PutOption.builder().withLeaseId(agent.leaseId()).build()));
            try {
                if (commit(facts.guards(keys), ops, "claiming " + runId + "/" + name)) {
                    return new ClaimOutcome(true, claim, claimed.node());
                }
            } catch (BackendUnavailableException e) {
                if (EtcdCalls.isLeaseNotFound(e)) {
                    throw new LeaseNotFoundException(agentId);
                }
                throw e;
            }
            EtcdCalls.pause(attempt);
        }
        throw new BackendUnavailableException("claiming " + runId + "/" + name + " kept conflicting", null);
    }

    /**
     * Finishes a node. A finish whose changes fit one transaction (the node and at most
     * {@value #SMALL_FINISH} neighbours) is applied as one, guarded by everything it read, as the original
     * does. A larger one, or one that keeps conflicting with its neighbours' other changes, is applied in steps
     * ({@link Propagator}): the node's own transaction, fenced only by what was read of the node, also records
     * an intent; then the neighbours are changed in batches; then the intent is deleted. When a later step
     * cannot reach etcd the finish still stands (answered as done) and the recovery completes it.
     */
    @Override
    public Node finishNode(String runId, String name, String claimId, Result result) {
        RunShape shape = shape(runId);
        requireNode(shape, name);
        Topology topology = shape.topology();
        for (int attempt = 0; attempt <= options.maxRetries(); attempt++) {
            NodeFacts facts = reader.read(runId, name);
            if (facts.node().status() == NodeStatus.RUNNING && attempt < SINGLE_TXN_ATTEMPTS) {
                Set<String> reads = Transitions.reads(topology, facts.node(), result);
                if (reads.size() <= SMALL_FINISH) {
                    AtOnce outcome = finishAtOnce(shape, facts, reads, claimId, result);
                    if (outcome.finished() != null) {
                        return outcome.finished();
                    }
                    if (outcome.conflicted()) {
                        EtcdCalls.pause(attempt);
                        continue;
                    }
                }
            }
            FinishDecision d = Transitions.settle(runId, facts.node(), claimId, result, clock.instant());
            if (d instanceof FinishDecision.Stale) {
                throw new StaleClaimException(runId, name, claimId);
            }
            if (d instanceof FinishDecision.Repeated repeated) {
                if (propagator.pending(runId, name)) {
                    Transitions.propagation(topology, repeated.node()).ifPresent(p -> passOn(shape, p));
                }
                return repeated.node();
            }
            Node finished = ((FinishDecision.Applied) d).finished();
            Optional<Propagation> propagation = Transitions.propagation(topology, finished);
            List<Op> ops = new ArrayList<>();
            Propagator.writes(keys, codec, runId, facts.node().status(), finished, ops);
            propagation.ifPresent(p -> ops.add(propagator.recordIntent(runId, p)));
            if (commit(facts.guards(keys), ops, "finishing " + runId + "/" + name)) {
                propagation.ifPresent(p -> passOn(shape, p));
                return finished;
            }
            EtcdCalls.pause(attempt);
        }
        throw new BackendUnavailableException("finishing " + runId + "/" + name + " kept conflicting", null);
    }

    /** How a finish in one transaction went: done (with the node), conflicted, or too large for one. */
    private record AtOnce(Node finished, boolean conflicted) {
    }

    /**
     * The finish of a node and its few neighbours in one transaction guarded by all of them.
     *
     * @throws StaleClaimException when the claim does not hold the node
     */
    private AtOnce finishAtOnce(RunShape shape, NodeFacts facts, Set<String> reads, String claimId, Result result) {
        String runId = shape.id();
        String name = facts.node().name();
        Map<String, NodeFacts> others = reader.read(runId, reads);
        Map<String, Node> otherNodes = new HashMap<>();
        others.forEach((n, f) -> otherNodes.put(n, f.node()));
        FinishDecision d = Transitions.finish(runId, shape.topology(), facts.node(), claimId, result, otherNodes,
                clock.instant());
        if (d instanceof FinishDecision.Stale) {
            throw new StaleClaimException(runId, name, claimId);
        }
        if (d instanceof FinishDecision.Repeated repeated) {
            return new AtOnce(repeated.node(), false);
        }
        FinishDecision.Applied applied = (FinishDecision.Applied) d;
        List<Cmp> guards = new ArrayList<>(facts.guards(keys));
        others.values().forEach(f -> guards.addAll(f.guards(keys)));
        List<Op> ops = new ArrayList<>();
        long bytes = 0;
        for (Node next : applied.changes()) {
            NodeStatus before = next.name().equals(name) ? facts.node().status() : others.get(next.name()).node().status();
            bytes += Propagator.writes(keys, codec, runId, before, next, ops);
        }
        bytes += guards.size() * (long) (keys.node(runId, name).length() + 40);
        if (guards.size() + ops.size() > Propagator.MAX_TXN_OPS || bytes > Propagator.MAX_BYTES) {
            return new AtOnce(null, false);
        }
        return commit(guards, ops, "finishing " + runId + "/" + name) ? new AtOnce(applied.finished(), false)
                : new AtOnce(null, true);
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

    private boolean commit(List<Cmp> guards, List<Op> ops, String what) {
        return calls.await(kv.txn().If(guards.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new)).commit(), what)
                .isSucceeded();
    }

    // ---- pending finishes ---------------------------------------------------------------------------------

    /**
     * Completes the finishes recorded at least the grace period ago and not passed on yet (their process died
     * or lost etcd half-way). Runs periodically on every replica; racing replicas are harmless.
     *
     * @return how many were completed
     */
    int recoverPendingFinishes() {
        return propagator.recover(intentGrace);
    }

    /** Test hook: how old a pending finish must be before the recovery completes it (default 5 s). */
    void intentGrace(Duration grace) {
        this.intentGrace = grace;
    }

    /** Test hook: told the count of batches passed on after each batch of a finish; throwing stops it there. */
    void afterPropagationBatch(IntConsumer hook) {
        propagator.afterBatch(hook);
    }

    private void recoverQuietly() {
        try {
            int n = recoverPendingFinishes();
            if (n > 0) {
                log.info("completed {} pending finish(es)", n);
            }
        } catch (RuntimeException e) {
            log.debug("recovery of pending finishes failed: {}", e.getMessage());
        }
    }

    // ---- events -------------------------------------------------------------------------------------------

    @Override
    public Subscription subscribe(EventFilter filter, Cursor after, EventSink sink) {
        return hub.subscribe(filter, after, sink);
    }

    /** Stops the watch, ends every subscription ({@link EventSink#onClose}) and closes the etcd client. */
    @Override
    public void close() {
        recovery.shutdownNow();
        hub.close();
        client.close();
    }
}
