package io.adagio.repository.memory;

import com.github.f4b6a3.ulid.Ulid;
import io.adagio.engine.ClaimDecision;
import io.adagio.engine.FinishDecision;
import io.adagio.engine.RunVerdict;
import io.adagio.engine.Topology;
import io.adagio.engine.Transitions;
import io.adagio.model.Agent;
import io.adagio.model.Claim;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.Run;
import io.adagio.model.Stats;
import io.adagio.repository.AgentLease;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventFilter;
import io.adagio.repository.EventHistory;
import io.adagio.repository.EventSink;
import io.adagio.repository.LeaseNotFoundException;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-memory backend. One lock guards all state; every change takes a new revision, and its events are
 * kept in a bounded history keyed by {@link Cursor}, so subscribers resume like etcd watchers do and are told
 * (by a reset snapshot) when their cursor is older than what is kept. Each subscription is drained by its own
 * task outside the lock: a slow subscriber delays only itself. Leases expire on the injected clock, checked
 * periodically; {@link #expireLease} forces an expiry, as etcd's lease revoke does.
 */
public final class InMemoryRepository implements Repository, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InMemoryRepository.class);
    private static final int BATCH = 512;

    private final Object lock = new Object();
    private final Clock clock;
    private final TreeMap<String, StoredRun> runs = new TreeMap<>();
    private final Map<NodeStatus, LinkedHashSet<NodeRef>> byStatus = new EnumMap<>(NodeStatus.class);
    private final Map<String, Lease> leases = new HashMap<>();
    private final Map<NodeRef, String> holders = new HashMap<>();
    private final EventHistory history;
    private final Set<MemorySubscription> subscriptions = new LinkedHashSet<>();
    private final ExecutorService delivery;
    private final ScheduledExecutorService reaper;
    private long revision;

    /**
     * @param clock              the time source for timestamps and lease expiry
     * @param historyCapacity    how many events are kept for resuming subscribers
     * @param leaseCheckInterval how often expired leases are looked for
     */
    public InMemoryRepository(Clock clock, int historyCapacity, Duration leaseCheckInterval) {
        this.clock = clock;
        this.history = new EventHistory(historyCapacity);
        for (NodeStatus s : NodeStatus.values()) {
            byStatus.put(s, new LinkedHashSet<>());
        }
        AtomicInteger n = new AtomicInteger();
        this.delivery = Executors.newCachedThreadPool(r -> daemon(r, "adagio-memory-events-" + n.incrementAndGet()));
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "adagio-memory-leases"));
        long ms = Math.max(1, leaseCheckInterval.toMillis());
        reaper.scheduleWithFixedDelay(this::expireLeases, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** A repository on the system clock keeping 100,000 events. */
    public InMemoryRepository() {
        this(Clock.systemUTC(), 100_000, Duration.ofMillis(200));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
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
            List<Event> events = new ArrayList<>();
            for (Node n : stored.nodes) {
                byStatus.get(n.status()).add(new NodeRef(run.id(), n.name()));
                if (n.status() != NodeStatus.COMPLETED) {
                    stored.unfinished++;
                }
                if (n.status() == NodeStatus.READY) {
                    events.add(new Event(EventType.NODE_READY, run.id(), n.spec()));
                }
            }
            commit(events);
            return view(stored);
        }
    }

    @Override
    public Run inspectRun(String runId) {
        synchronized (lock) {
            return view(run(runId));
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
                    out.add(view(r));
                }
            }
            return out;
        }
    }

    @Override
    public Stats stats() {
        synchronized (lock) {
            return new Stats(runs.size(), new Stats.NodeCounts(
                    byStatus.get(NodeStatus.WAITING).size(), byStatus.get(NodeStatus.READY).size(),
                    byStatus.get(NodeStatus.RUNNING).size(), byStatus.get(NodeStatus.COMPLETED).size(),
                    byStatus.get(NodeStatus.NONE).size()));
        }
    }

    // ---- agents -------------------------------------------------------------------------------------------

    @Override
    public List<Agent> listAgents() {
        synchronized (lock) {
            Instant now = clock.instant();
            return leases.values().stream().filter(l -> l.expiresAt.isAfter(now)).map(l -> l.agent)
                    .sorted(java.util.Comparator.comparing(Agent::id)).toList();
        }
    }

    @Override
    public AgentLease registerAgent(Agent agent, Duration ttl) {
        synchronized (lock) {
            Lease lease = liveLease(agent.id());
            if (lease == null) {
                lease = new Lease(agent, ttl);
                leases.put(agent.id(), lease);
            }
            lease.agent = agent;
            lease.ttl = ttl;
            lease.expiresAt = clock.instant().plus(ttl);
            return new AgentLease(agent, ttl);
        }
    }

    @Override
    public AgentLease heartbeat(String agentId) {
        synchronized (lock) {
            Lease lease = liveLease(agentId);
            if (lease == null) {
                throw new LeaseNotFoundException(agentId);
            }
            lease.expiresAt = clock.instant().plus(lease.ttl);
            return new AgentLease(lease.agent, lease.ttl);
        }
    }

    @Override
    public void unregisterAgent(String agentId) {
        synchronized (lock) {
            Lease lease = leases.get(agentId);
            if (lease != null) {
                drop(lease);
            }
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
            Lease lease = leases.get(agentId);
            if (lease != null) {
                drop(lease);
            }
            return lease != null;
        }
    }

    /** Drops every lease whose time is up. Runs periodically; safe to call any time. */
    public void expireLeases() {
        try {
            synchronized (lock) {
                Instant now = clock.instant();
                for (Lease l : List.copyOf(leases.values())) {
                    if (!l.expiresAt.isAfter(now)) {
                        log.info("lease of agent {} expired", l.agent.id());
                        drop(l);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("lease expiry check failed", e);
        }
    }

    private Lease liveLease(String agentId) {
        Lease lease = leases.get(agentId);
        if (lease != null && !lease.expiresAt.isAfter(clock.instant())) {
            drop(lease);
            return null;
        }
        return lease;
    }

    private void drop(Lease lease) {
        leases.remove(lease.agent.id());
        List<Event> events = new ArrayList<>();
        for (NodeRef ref : lease.running) {
            if (!lease.agent.id().equals(holders.get(ref))) {
                continue;
            }
            holders.remove(ref);
            StoredRun r = runs.get(ref.runId());
            Node n = r.nodes[r.index(ref.name())];
            if (n.status() == NodeStatus.RUNNING) {
                set(r, Transitions.orphan(n));
                events.add(Transitions.orphanEvent(r.id, n));
            }
        }
        lease.running.clear();
        if (!events.isEmpty()) {
            commit(events);
        }
    }

    /** Forgets every retained event, as etcd's compaction does: older cursors then get a reset. */
    public void compactHistory() {
        synchronized (lock) {
            history.restartAt(Cursor.endOf(revision));
        }
    }

    // ---- claim and finish ---------------------------------------------------------------------------------

    @Override
    public ClaimOutcome claimNode(String runId, String name, String agentId, Claim claim) {
        synchronized (lock) {
            StoredRun r = run(runId);
            Node node = r.nodes[r.index(name)];
            Lease lease = liveLease(agentId);
            if (lease == null) {
                throw new LeaseNotFoundException(agentId);
            }
            ClaimDecision d = Transitions.claim(node, claim, clock.instant());
            if (d instanceof ClaimDecision.NotReady) {
                throw new NodeNotReadyException(runId, name);
            }
            if (d instanceof ClaimDecision.Claimed c) {
                set(r, c.node());
                NodeRef ref = new NodeRef(runId, name);
                holders.put(ref, agentId);
                lease.running.add(ref);
                commit(List.of());
                return new ClaimOutcome(true, claim, c.node());
            }
            return ClaimOutcome.notClaimed();
        }
    }

    @Override
    public Node finishNode(String runId, String name, String claimId, Result result) {
        synchronized (lock) {
            StoredRun r = run(runId);
            Node node = r.nodes[r.index(name)];
            Map<String, Node> others = new HashMap<>();
            if (node.status() == NodeStatus.RUNNING) {
                for (String other : Transitions.reads(r.topology, node, result)) {
                    others.put(other, r.nodes[r.index(other)]);
                }
            }
            FinishDecision d = Transitions.finish(runId, r.topology, node, claimId, result, others, clock.instant());
            if (d instanceof FinishDecision.Stale) {
                throw new StaleClaimException(runId, name, claimId);
            }
            if (d instanceof FinishDecision.Repeated rep) {
                return rep.node();
            }
            FinishDecision.Applied applied = (FinishDecision.Applied) d;
            for (Node n : applied.changes()) {
                set(r, n);
            }
            NodeRef ref = new NodeRef(runId, name);
            String holder = holders.remove(ref);
            if (holder != null && leases.containsKey(holder)) {
                leases.get(holder).running.remove(ref);
            }
            commit(applied.events());
            return applied.finished();
        }
    }

    // ---- events -------------------------------------------------------------------------------------------

    @Override
    public Subscription subscribe(EventFilter filter, Cursor after, EventSink sink) {
        synchronized (lock) {
            MemorySubscription sub = new MemorySubscription(filter, sink);
            if (after == null) {
                sub.pendingSnapshot = true;
            } else {
                sub.position = after;
            }
            subscriptions.add(sub);
            schedule(sub);
            return sub;
        }
    }

    /** Takes a new revision for a change, records its events and wakes the subscribers. Under the lock. */
    private void commit(List<Event> events) {
        revision++;
        if (events.isEmpty()) {
            return;
        }
        for (int i = 0; i < events.size(); i++) {
            history.append(new Cursor(revision, i), events.get(i));
        }
        for (MemorySubscription s : subscriptions) {
            schedule(s);
        }
    }

    private void schedule(MemorySubscription s) {
        if (!s.scheduled && !s.closed) {
            s.scheduled = true;
            delivery.execute(() -> drain(s));
        }
    }

    /** Delivers what a subscription has not seen yet, outside the lock, until it is up to date. */
    private void drain(MemorySubscription s) {
        while (true) {
            List<Event> snapshot = null;
            boolean reset = false;
            Cursor snapshotAt = null;
            List<CursoredEvent> batch = new ArrayList<>();
            synchronized (lock) {
                if (s.closed) {
                    s.scheduled = false;
                    return;
                }
                if (!s.pendingSnapshot && (!history.covers(s.position) || s.position.revision() > revision)) {
                    s.pendingSnapshot = true;
                    s.reset = true;
                }
                if (s.pendingSnapshot) {
                    snapshot = currentSet(s.filter);
                    snapshotAt = Cursor.endOf(revision);
                    reset = s.reset;
                    s.position = snapshotAt;
                    s.pendingSnapshot = false;
                    s.reset = false;
                } else {
                    EventHistory.Batch next = history.after(s.position, s.filter, BATCH);
                    s.position = next.position();
                    batch.addAll(next.events());
                    if (batch.isEmpty()) {
                        s.scheduled = false;
                        return;
                    }
                }
            }
            try {
                if (snapshot != null) {
                    s.sink.onSnapshot(snapshotAt, snapshot, reset);
                }
                for (CursoredEvent e : batch) {
                    if (s.closed) {
                        break;
                    }
                    s.sink.onEvent(e);
                }
            } catch (RuntimeException e) {
                log.warn("event subscriber failed; closing its subscription", e);
                s.close();
            }
        }
    }

    private List<Event> currentSet(EventFilter filter) {
        List<Event> out = new ArrayList<>();
        for (NodeStatus status : List.of(NodeStatus.READY, NodeStatus.NONE)) {
            EventType type = status == NodeStatus.READY ? EventType.NODE_READY : EventType.NODE_ORPHANED;
            for (NodeRef ref : byStatus.get(status)) {
                StoredRun r = runs.get(ref.runId());
                Event e = new Event(type, ref.runId(), r.topology.spec(ref.name()));
                if (filter.matches(e)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        List<MemorySubscription> open;
        synchronized (lock) {
            open = List.copyOf(subscriptions);
        }
        for (MemorySubscription s : open) {
            s.close();
            try {
                s.sink.onClose();
            } catch (RuntimeException e) {
                log.debug("subscriber failed on close", e);
            }
        }
        reaper.shutdownNow();
        delivery.shutdownNow();
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
        int i = r.index(next.name());
        Node prev = r.nodes[i];
        if (prev.status() != next.status()) {
            NodeRef ref = new NodeRef(r.id, next.name());
            byStatus.get(prev.status()).remove(ref);
            byStatus.get(next.status()).add(ref);
            if (prev.status() == NodeStatus.COMPLETED) {
                r.unfinished++;
            } else if (next.status() == NodeStatus.COMPLETED) {
                r.unfinished--;
            }
        }
        r.nodes[i] = next;
    }

    private static Run view(StoredRun r) {
        List<Node> nodes = Arrays.asList(r.nodes.clone());
        return new Run(r.id, r.createdAt, RunVerdict.status(nodes), RunVerdict.outcome(nodes), nodes, r.topology.edges());
    }

    private record NodeRef(String runId, String name) {
    }

    private static final class StoredRun {
        final String id;
        final Instant createdAt;
        final Topology topology;
        final Node[] nodes;
        int unfinished;

        StoredRun(String id, Instant createdAt, Topology topology, Node[] nodes) {
            this.id = id;
            this.createdAt = createdAt;
            this.topology = topology;
            this.nodes = nodes;
        }

        int index(String name) {
            if (!topology.contains(name)) {
                throw new NotFoundException("node", id + "/" + name);
            }
            return topology.indexOf(name);
        }
    }

    private static final class Lease {
        Agent agent;
        Duration ttl;
        Instant expiresAt;
        final Set<NodeRef> running = new HashSet<>();

        Lease(Agent agent, Duration ttl) {
            this.agent = agent;
            this.ttl = ttl;
        }
    }

    private final class MemorySubscription implements Subscription {
        final EventFilter filter;
        final EventSink sink;
        Cursor position;
        boolean pendingSnapshot;
        boolean reset;
        boolean scheduled;
        volatile boolean closed;

        MemorySubscription(EventFilter filter, EventSink sink) {
            this.filter = filter;
            this.sink = sink;
        }

        @Override
        public void close() {
            synchronized (lock) {
                closed = true;
                subscriptions.remove(this);
            }
        }
    }
}
