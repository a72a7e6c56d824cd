package io.adagio.repository.memory;

import io.adagio.engine.NodeEvents;
import io.adagio.engine.Topology;
import io.adagio.model.Agent;
import io.adagio.model.Claim;
import io.adagio.model.Node;
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
import io.adagio.repository.IdempotencyConflictException;
import io.adagio.repository.StartKey;
import io.adagio.repository.Started;
import io.adagio.repository.Repository;
import io.adagio.repository.RunNotFinishedException;
import io.adagio.repository.RunPage;
import io.adagio.repository.RunQuery;
import io.adagio.repository.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The in-memory backend. One lock guards all state ({@link MemoryNodes}, the leases); every step takes a new
 * revision, and the events its node changes cause ({@link NodeEvents}) are published to the shared
 * {@link EventFanout} under that revision, so subscribers resume like etcd watchers do. Claims and finishes are
 * {@link MemoryTransitions}'; this backend plugs its current set into the fan-out ({@link MemoryCurrentSet})
 * and keeps no history beyond the fan-out's. Leases expire on the injected clock, checked periodically;
 * {@link #expireLease} forces an expiry, as etcd's lease revoke does.
 */
public final class InMemoryRepository implements Repository, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InMemoryRepository.class);

    private final Object lock = new Object();
    private final Clock clock;
    private final MemoryNodes nodes = new MemoryNodes();
    private final EventFanout events;
    private final MemoryTransitions transitions;
    private final MemoryRunControl control;
    private final MemoryLeases leases;
    private final ScheduledExecutorService reaper;

    /**
     * @param clock              the time source for timestamps and lease expiry
     * @param historyCapacity    how many events are kept for resuming subscribers
     * @param leaseCheckInterval how often expired leases are looked for
     */
    public InMemoryRepository(Clock clock, int historyCapacity, Duration leaseCheckInterval) {
        this.clock = clock;
        this.events = new EventFanout(new MemoryCurrentSet(lock, nodes.runs, nodes.byStatus, nodes.steps::revision,
                this::holderOf), historyCapacity, "memory");
        this.transitions = new MemoryTransitions(nodes, clock, events);
        this.leases = transitions.leases();
        this.control = new MemoryRunControl(nodes, clock, events, transitions);
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
            if (nodes.runs.containsKey(run.id())) {
                throw new IllegalStateException("run " + run.id() + " exists");
            }
            StoredRun stored = new StoredRun(run.id(), run.createdAt(),
                    Topology.of(run.nodes().stream().map(Node::spec).toList(), run.edges()),
                    run.nodes().stream().map(Node::stored).toArray(Node[]::new));
            stored.rerunOf = run.rerunOf();
            stored.deadline = run.deadline();
            stored.ttl = run.ttl();
            nodes.add(run, stored);
            nodes.commit(events);
            return stored.view();
        }
    }

    @Override
    public Started startRun(Run run, StartKey key) {
        synchronized (lock) {
            MemoryNodes.KeyedStart earlier = nodes.keys.get(key.key());
            if (earlier != null) {
                if (!earlier.graphSha256().equals(key.graphSha256())) {
                    throw new IdempotencyConflictException(earlier.runId());
                }
                return new Started(nodes.run(earlier.runId()).view(), true);
            }
            Run started = startRun(run);
            nodes.keys.put(key.key(), new MemoryNodes.KeyedStart(started.id(), key.graphSha256()));
            nodes.run(started.id()).idempotencyKey = key.key();
            return new Started(started, false);
        }
    }

    @Override
    public Run inspectRun(String runId) {
        synchronized (lock) {
            return nodes.run(runId).view();
        }
    }

    @Override
    public io.adagio.repository.RunObservation observeRun(String runId) {
        synchronized (lock) {
            return new io.adagio.repository.RunObservation(nodes.run(runId).view(), Cursor.endOf(nodes.steps.revision()));
        }
    }

    @Override
    public void deleteRun(String runId) {
        synchronized (lock) {
            StoredRun r = nodes.run(runId);
            if (r.unfinished > 0) {
                throw new RunNotFinishedException(runId);
            }
            nodes.remove(r);
        }
    }

    @Override
    public Run cancelRun(String runId, Duration grace) {
        synchronized (lock) {
            return control.cancelRun(runId, grace);
        }
    }

    @Override
    public Run retryRun(String runId, List<String> nodeNames) {
        synchronized (lock) {
            return control.retryRun(runId, nodeNames);
        }
    }

    @Override
    public Run pauseRun(String runId) {
        synchronized (lock) {
            return control.pauseRun(runId);
        }
    }

    @Override
    public Run resumeRun(String runId) {
        synchronized (lock) {
            return control.resumeRun(runId);
        }
    }

    @Override
    public Node inspectNode(String runId, String name) {
        synchronized (lock) {
            StoredRun r = nodes.run(runId);
            return r.view(r.nodes[r.index(name)]);
        }
    }

    @Override
    public boolean isRunCompleted(String runId) {
        synchronized (lock) {
            return nodes.run(runId).unfinished == 0;
        }
    }

    @Override
    public RunPage findRuns(RunQuery query) {
        synchronized (lock) {
            return RunFinder.find(nodes.runs, query);
        }
    }

    @Override
    public Stats stats() {
        synchronized (lock) {
            return new Stats(nodes.runs.size(), nodes.byStatus.counts());
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

    /**
     * Ends every lease whose time is up on the injected clock, fences off the claims of cancelled runs whose grace
     * is over, and fires the node timers that are due (timeouts, backoffs). Runs periodically; safe to call any time.
     */
    public void expireLeases() {
        try {
            synchronized (lock) {
                leases.expire();
                control.fenceDue();
                control.fireDue();
            }
        } catch (RuntimeException e) {
            log.error("lease expiry check failed", e);
        }
    }

    /**
     * What this repository keeps, counted: per agent (leases, nodes held on them) and per run. For tests that
     * show memory stays bounded by what lives and what is stored.
     *
     * @param leases leases kept (an ended one is dropped when it ends)
     * @param held   nodes held on leases
     * @param runs   runs stored
     */
    public record Sizes(int leases, int held, int runs) {
    }

    public Sizes sizes() {
        synchronized (lock) {
            return new Sizes(leases.leaseCount(), leases.heldCount(), nodes.runs.size());
        }
    }

    /** Forgets every retained event, as etcd's compaction does: older cursors then get a reset. */
    public void compactHistory() {
        synchronized (lock) {
            events.restart(Cursor.endOf(nodes.steps.revision()), false);
        }
    }

    // ---- claim and finish ---------------------------------------------------------------------------------

    @Override
    public ClaimOutcome claimNode(String runId, String name, String agentId, Claim claim) {
        synchronized (lock) {
            return transitions.claimNode(runId, name, agentId, claim);
        }
    }

    @Override
    public List<ClaimOutcome> claimReady(String agentId, int max, Supplier<Claim> claims) {
        synchronized (lock) {
            return transitions.claimReady(agentId, max, claims);
        }
    }

    @Override
    public List<ClaimOutcome> heldFor(String agentId, String requestId) {
        synchronized (lock) {
            return transitions.heldFor(agentId, requestId);
        }
    }

    @Override
    public Finished finishNode(String runId, String name, String claimId, Result result, Dispatch next) {
        synchronized (lock) {
            return transitions.finishNode(runId, name, claimId, result, next);
        }
    }

    @Override
    public List<io.adagio.repository.CancelledClaim> cancelledFor(String agentId) {
        synchronized (lock) {
            return transitions.cancelledFor(agentId);
        }
    }

    @Override
    public Finished completeByHand(String runId, String name, byte[] output) {
        synchronized (lock) {
            return transitions.completeByHand(runId, name, output);
        }
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

    /** The agent holding a RUNNING node, for the current set; under the lock. */
    private String holderOf(NodeRef ref) {
        return leases.holder(ref);
    }


}
