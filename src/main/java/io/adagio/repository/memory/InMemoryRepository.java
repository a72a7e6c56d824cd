package io.adagio.repository.memory;

import com.github.f4b6a3.ulid.Ulid;
import io.adagio.engine.ClaimDecision;
import io.adagio.engine.FinishDecision;
import io.adagio.engine.NodeEvents;
import io.adagio.engine.Propagation;
import io.adagio.engine.Topology;
import io.adagio.engine.Transitions;
import io.adagio.model.Agent;
import io.adagio.model.Claim;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.Run;
import io.adagio.model.Stats;
import io.adagio.repository.AgentLease;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Cursor;
import io.adagio.repository.EventFanout;
import io.adagio.repository.EventFilter;
import io.adagio.repository.EventSink;
import io.adagio.repository.Dispatch;
import io.adagio.repository.Finished;
import io.adagio.repository.NodeNotReadyException;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.Repository;
import io.adagio.repository.RunQuery;
import io.adagio.repository.StaleClaimException;
import io.adagio.repository.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The in-memory backend. One lock guards all state; every change takes a new revision, and the events its
 * node changes cause ({@link NodeEvents}) are published to the shared {@link EventFanout} under that revision,
 * so subscribers resume like etcd watchers do. This backend plugs in its current set; it keeps no history
 * beyond the fan-out's. Leases expire on the injected clock, checked periodically; {@link #expireLease} forces
 * an expiry, as etcd's lease revoke does.
 */
public final class InMemoryRepository implements Repository, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InMemoryRepository.class);

    private final Object lock = new Object();
    private final Clock clock;
    private final TreeMap<String, StoredRun> runs = new TreeMap<>();
    private final StatusIndex byStatus = new StatusIndex();
    private final MemoryLeases leases;
    private final EventFanout events;
    private final ScheduledExecutorService reaper;
    private final Steps steps = new Steps();

    /**
     * @param clock              the time source for timestamps and lease expiry
     * @param historyCapacity    how many events are kept for resuming subscribers
     * @param leaseCheckInterval how often expired leases are looked for
     */
    public InMemoryRepository(Clock clock, int historyCapacity, Duration leaseCheckInterval) {
        this.clock = clock;
        this.leases = new MemoryLeases(clock, this::orphan);
        this.events = new EventFanout(new MemoryCurrentSet(lock, runs, byStatus, steps::revision), historyCapacity, "memory");
        events.restart(new Cursor(0, 0), false);
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "adagio-memory-leases");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, leaseCheckInterval.toMillis());
        reaper.scheduleWithFixedDelay(this::expireLeases, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** A repository on the system clock keeping 100,000 events. */
    public InMemoryRepository() {
        this(Clock.systemUTC(), 100_000, Duration.ofMillis(200));
    }

    // ---- runs ---------------------------------------------------------------------------------------------

    @Override
    public Run startRun(Run run) {
        synchronized (lock) {
            if (runs.containsKey(run.id())) {
                throw new IllegalStateException("run " + run.id() + " exists");
            }
            StoredRun stored = new StoredRun(run.id(), run.createdAt(),
                    Topology.of(run.nodes().stream().map(Node::spec).toList(), run.edges()),
                    run.nodes().toArray(Node[]::new));
            runs.put(run.id(), stored);
            for (Node n : stored.nodes) {
                byStatus.add(new NodeRef(run.id(), n.name()), n.status());
                if (n.status() != NodeStatus.COMPLETED) {
                    stored.unfinished++;
                }
                steps.created(run.id(), n);
            }
            steps.commit(events);
            return stored.view();
        }
    }

    @Override
    public Run inspectRun(String runId) {
        synchronized (lock) {
            return run(runId).view();
        }
    }

    @Override
    public Node inspectNode(String runId, String name) {
        synchronized (lock) {
            StoredRun r = run(runId);
            return r.nodes[r.index(name)];
        }
    }

    @Override
    public boolean isRunCompleted(String runId) {
        synchronized (lock) {
            return run(runId).unfinished == 0;
        }
    }

    @Override
    public List<Run> listRuns(RunQuery query) {
        synchronized (lock) {
            NavigableMap<String, StoredRun> range = runs.subMap(
                    Ulid.min(query.oldest().toEpochMilli()).toString(), true,
                    Ulid.max(query.newest().toEpochMilli()).toString(), true).descendingMap();
            List<Run> out = new ArrayList<>();
            for (StoredRun r : range.values()) {
                if (out.size() >= query.limit()) {
                    break;
                }
                if (query.includes(r.createdAt)) {
                    out.add(r.view());
                }
            }
            return out;
        }
    }

    @Override
    public Stats stats() {
        synchronized (lock) {
            return new Stats(runs.size(), byStatus.counts());
        }
    }

    // ---- agents -------------------------------------------------------------------------------------------

    @Override
    public List<Agent> listAgents() {
        synchronized (lock) {
            return leases.live();
        }
    }

    @Override
    public AgentLease registerAgent(Agent agent, Duration ttl) {
        synchronized (lock) {
            return leases.register(agent, ttl);
        }
    }

    @Override
    public AgentLease heartbeat(String agentId) {
        synchronized (lock) {
            return leases.renew(agentId);
        }
    }

    @Override
    public void unregisterAgent(String agentId) {
        synchronized (lock) {
            leases.end(agentId);
        }
    }

    /**
     * Ends an agent's lease now, as if its TTL had run out: its RUNNING nodes are orphaned. A test hook, and
     * the memory equivalent of etcd's lease revoke.
     *
     * @return whether the agent had a lease
     */
    public boolean expireLease(String agentId) {
        synchronized (lock) {
            return leases.end(agentId);
        }
    }

    /** Ends every lease whose time is up on the injected clock. Runs periodically; safe to call any time. */
    public void expireLeases() {
        try {
            synchronized (lock) {
                leases.expire();
            }
        } catch (RuntimeException e) {
            log.error("lease expiry check failed", e);
        }
    }

    /** The nodes of an ended lease: those still RUNNING are orphaned (no state, NODE_ORPHANED). Under the lock. */
    private void orphan(List<NodeRef> held) {
        for (NodeRef ref : held) {
            StoredRun r = runs.get(ref.runId());
            Node n = r.nodes[r.index(ref.name())];
            if (n.status() == NodeStatus.RUNNING) {
                set(r, Transitions.orphan(n));
            }
        }
        steps.commit(events);
    }

    /** Forgets every retained event, as etcd's compaction does: older cursors then get a reset. */
    public void compactHistory() {
        synchronized (lock) {
            events.restart(Cursor.endOf(steps.revision()), false);
        }
    }

    // ---- claim and finish ---------------------------------------------------------------------------------

    @Override
    public ClaimOutcome claimNode(String runId, String name, String agentId, Claim claim) {
        synchronized (lock) {
            StoredRun r = run(runId);
            Node node = r.nodes[r.index(name)];
            leases.requireLive(agentId);
            if (node.status() == NodeStatus.RUNNING && claim.sameRequestAs(node.claim())
                    && agentId.equals(leases.holder(new NodeRef(runId, name)))) {
                return ClaimOutcome.won(runId, node.claim(), node);
            }
            ClaimDecision d = Transitions.claim(node, claim, clock.instant());
            if (d instanceof ClaimDecision.NotReady) {
                throw new NodeNotReadyException(runId, name);
            }
            if (d instanceof ClaimDecision.Claimed c) {
                set(r, c.node());
                leases.hold(new NodeRef(runId, name), agentId);
                steps.commit(events);
                return ClaimOutcome.won(runId, claim, c.node());
            }
            return ClaimOutcome.notClaimed();
        }
    }

    @Override
    public List<ClaimOutcome> claimReady(String agentId, int max, Supplier<Claim> claims) {
        synchronized (lock) {
            leases.requireLive(agentId);
            Agent agent = leases.agent(agentId).orElseThrow();
            List<NodeRef> picked = new ArrayList<>();
            for (NodeRef ref : byStatus.in(NodeStatus.READY)) {
                if (picked.size() >= max) {
                    break;
                }
                if (agent.runs(runs.get(ref.runId()).topology.spec(ref.name()).runtime())) {
                    picked.add(ref);
                }
            }
            List<ClaimOutcome> out = new ArrayList<>();
            for (NodeRef ref : picked) {
                StoredRun r = runs.get(ref.runId());
                if (Transitions.claim(r.nodes[r.index(ref.name())], claims.get(), clock.instant())
                        instanceof ClaimDecision.Claimed c) {
                    set(r, c.node());
                    leases.hold(ref, agentId);
                    out.add(ClaimOutcome.won(ref.runId(), c.node().claim(), c.node()));
                }
            }
            if (!out.isEmpty()) {
                steps.commit(events);
            }
            return out;
        }
    }

    @Override
    public Finished finishNode(String runId, String name, String claimId, Result result, Dispatch next) {
        synchronized (lock) {
            StoredRun r = run(runId);
            Node node = r.nodes[r.index(name)];
            NodeRef ref = new NodeRef(runId, name);
            FinishDecision d = Transitions.settle(node, claimId, result, clock.instant());
            if (d instanceof FinishDecision.Stale
                    || d instanceof FinishDecision.Applied && next.agentId() != null && !next.agentId().equals(leases.holder(ref))) {
                throw new StaleClaimException(runId, name, claimId);
            }
            if (d instanceof FinishDecision.Repeated rep) {
                return new Finished(rep.node(), dispatchedBefore(r, rep.node(), claimId, next));
            }
            Node finished = ((FinishDecision.Applied) d).finished();
            set(r, finished);
            List<String> readied = new ArrayList<>();
            Optional<Propagation> propagation = Transitions.propagation(r.topology, finished);
            if (propagation.isPresent()) {
                for (String target : propagation.get().targets(r.topology)) {
                    Node before = r.nodes[r.index(target)];
                    propagation.get().apply(r.topology, before).ifPresent(after -> {
                        set(r, after);
                        if (after.status() == NodeStatus.READY && before.status() != NodeStatus.READY) {
                            readied.add(target);
                        }
                    });
                }
            }
            leases.release(ref);
            List<ClaimOutcome> claimed = dispatch(r, readied, claimId, next);
            steps.commit(events);
            return new Finished(finished, claimed);
        }
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
                        out.add(ClaimOutcome.won(r.id, n.claim(), n));
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
                set(r, c.node());
                leases.hold(new NodeRef(r.id, name), next.agentId());
                out.add(ClaimOutcome.won(r.id, c.node().claim(), c.node()));
            }
        }
        return out;
    }

    // ---- events -------------------------------------------------------------------------------------------

    @Override
    public Subscription subscribe(EventFilter filter, Cursor after, EventSink sink) {
        return events.subscribe(filter, after, sink);
    }

    @Override
    public void close() {
        events.close();
        reaper.shutdownNow();
    }

    // ---- internals ----------------------------------------------------------------------------------------

    private StoredRun run(String runId) {
        StoredRun r = runs.get(runId);
        if (r == null) {
            throw new NotFoundException("run", runId);
        }
        return r;
    }

    private void set(StoredRun r, Node next) {
        Node prev = r.replace(next);
        byStatus.move(new NodeRef(r.id, next.name()), prev.status(), next.status());
        steps.changing(r, next.name(), prev.status());
    }
}
