package io.adagio.repository.etcd;

import io.adagio.model.Agent;
import io.adagio.model.Claim;
import io.adagio.model.Node;
import io.adagio.model.Result;
import io.adagio.model.Run;
import io.adagio.model.Stats;
import io.adagio.repository.AgentLease;
import io.adagio.repository.BackendUnavailableException;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Cursor;
import io.adagio.repository.Dispatch;
import io.adagio.repository.Finished;
import io.adagio.repository.EventFanout;
import io.adagio.repository.EventFilter;
import io.adagio.repository.EventSink;
import io.adagio.repository.Repository;
import io.adagio.repository.RunPage;
import io.adagio.repository.RunQuery;
import io.adagio.repository.Subscription;
import io.adagio.repository.StartKey;
import io.adagio.repository.Started;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The etcd backend (keyspace in {@link io.adagio.repository.etcd}), in parts with one job each: runs
 * ({@link EtcdRuns}), agents and leases ({@link EtcdAgents}), claims ({@link EtcdClaims}) and finishes ({@link EtcdFinishes},
 * {@link Propagator}), and events (one supervised {@link EtcdWatch} per replica feeding the shared
 * {@link EventFanout}). Every part reads facts, asks {@code io.adagio.engine} what changes, and applies the answer
 * as an etcd transaction whose compares assert that everything read is unchanged ({@link GuardedTxns}).
 *
 * <p>Every call has a deadline ({@link EtcdOptions#timeout()}); an unreachable etcd is a
 * {@link BackendUnavailableException}, never a hang. Thread-safe.
 */
public final class EtcdRepository implements Repository, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EtcdRepository.class);
    private static final Duration MAX_RECOVERY_INTERVAL = Duration.ofSeconds(10);

    private final Client client;
    private final EtcdOptions options;
    private final Keys keys;
    private final EtcdCalls calls;
    private final KeyRanges ranges;
    private final EtcdRuns runs;
    private final EtcdAgents agents;
    private final EtcdClaims claims;
    private final EtcdFinishes finishes;
    private final EtcdSignals signals;
    private final Propagator propagator;
    private final EventFanout events;
    private final EtcdWatch watch;
    private final ScheduledExecutorService recovery;
    private final RootRelease roots;
    private final RunShapes shapes;
    private final EtcdCancels cancels;
    private final EtcdRunControl control;
    private final EtcdTimers timers;
    private final ScheduledExecutorService timerThread;
    /** How often each replica looks for node timers that are due (timeouts, backoffs). */
    static final Duration TIMER_INTERVAL = Duration.ofMillis(250);
    private volatile Duration intentGrace = Duration.ofSeconds(5);

    /**
     * A repository on {@code client} (built in {@code io.adagio.config}; this repository closes it). Makes no
     * call here; starts the event watch, which waits for etcd if it is not reachable yet.
     */
    public EtcdRepository(Client client, EtcdOptions options, Clock clock) {
        this.client = client;
        this.options = options;
        KV kv = client.getKVClient();
        EtcdCodec codec = new EtcdCodec();
        this.keys = new Keys(options.namespace(), options.list());
        this.calls = new EtcdCalls(options.timeout());
        this.ranges = new KeyRanges(kv, calls);
        GuardedTxns txns = new GuardedTxns(kv, calls, options.maxRetries());
        RunShapes shapes = new RunShapes(kv, keys, codec, calls);
        NodeReader reader = new NodeReader(kv, keys, codec, calls);
        this.roots = new RootRelease(kv, keys, codec, calls, ranges, options.txnLimits(), clock);
        this.shapes = shapes;
        this.runs = new EtcdRuns(kv, keys, codec, calls, ranges, shapes, reader, options.txnLimits(), roots);
        this.agents = new EtcdAgents(kv, client.getLeaseClient(), keys, codec, calls, ranges, txns, clock);
        NodeBatches batches = new NodeBatches(keys, reader, txns, options.txnLimits());
        this.propagator = new Propagator(kv, keys, codec, calls, reader, ranges, shapes, clock, batches);
        EtcdInputs inputs = new EtcdInputs(reader, keys, codec);
        this.signals = new EtcdSignals(keys, codec, txns);
        ReadyHints hints = new ReadyHints();
        KnownFacts known = new KnownFacts();
        ChildrenAhead children = new ChildrenAhead(reader, shapes, known, options.txnLimits().childrenPerFinish());
        this.claims = new EtcdClaims(keys, codec, ranges, shapes, reader, inputs, runs, agents, txns, clock,
                options.txnLimits(), known, hints, children);
        this.finishes = new EtcdFinishes(keys, codec, reader, inputs, runs, agents, signals, propagator, txns, clock,
                options.txnLimits(), shapes, hints, known, children);
        WatchTranslator translator = WatchTranslator.reading(keys, shapes, codec, kv, calls);
        ClaimableNodes claimable = new ClaimableNodes(keys, ranges, shapes, codec);
        HistoryReplay replay = new HistoryReplay(client.getWatchClient(), kv, keys, translator, calls);
        OrphanIndex orphans = new OrphanIndex();
        this.events = new EventFanout(new EtcdEventSource(kv, keys, ranges, claimable, replay, calls, orphans),
                options.historySize(), "etcd");
        this.watch = new EtcdWatch(client.getWatchClient(), keys, ranges, translator, claimable, events,
                options.sweepInterval(), orphans, hints);
        this.recovery = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "adagio-etcd-recovery");
            t.setDaemon(true);
            return t;
        });
        this.cancels = new EtcdCancels(kv, keys, codec, calls, ranges, runs, agents, batches, txns, clock, recovery);
        this.control = new EtcdRunControl(keys, codec, runs, batches, cancels);
        this.timers = new EtcdTimers(kv, keys, codec, calls, reader, batches, finishes, agents, runs, cancels, clock);
        this.timerThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "adagio-etcd-timers");
            t.setDaemon(true);
            return t;
        });
        timerThread.scheduleWithFixedDelay(this::fireQuietly, TIMER_INTERVAL.toMillis(), TIMER_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        long every = Math.max(100, Math.min(options.sweepInterval().toMillis(), MAX_RECOVERY_INTERVAL.toMillis()));
        recovery.scheduleWithFixedDelay(this::recoverQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Checks that etcd answers within the deadline (for readiness probes).
     *
     * @return etcd's current revision
     * @throws BackendUnavailableException when it does not
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

    /** Test hook: told the prefix of every scan of a key range (to show what a step reads). */
    void onKeyScan(java.util.function.Consumer<String> hook) {
        ranges.onScan(hook);
    }

    /** Test hook: runs the orphan sweep now, on the watch's thread, and waits for it. */
    void sweepNow() throws Exception {
        watch.sweepNow();
    }

    /** How many agents this replica remembers something of (a test shows dead agents are forgotten). */
    int rememberedAgents() {
        return agents.remembered();
    }

    /** Test hook: told the number of each batch of roots a start releases after its run key; throwing stops it. */
    void beforeRootRelease(IntConsumer hook) {
        roots.beforeBatch(hook);
    }

    /** Test hook: told the count of batches written after each batch of a start; throwing fails the start. */
    void afterStartBatch(IntConsumer hook) {
        runs.starter().afterBatch(hook);
    }

    @Override
    public Run startRun(Run run) {
        return runs.startRun(run);
    }

    @Override
    public Started startRun(Run run, StartKey key) {
        return runs.startRun(run, key);
    }

    @Override
    public Run inspectRun(String runId) {
        return runs.inspectRun(runId);
    }

    @Override
    public io.adagio.repository.RunObservation observeRun(String runId) {
        return runs.observeRun(runId);
    }

    @Override
    public void deleteRun(String runId) {
        runs.deleteRun(runId);
    }

    @Override
    public Run cancelRun(String runId, Duration grace) {
        return cancels.cancel(runId, grace);
    }

    @Override
    public Run retryRun(String runId, List<String> nodeNames) {
        return control.retry(runId, nodeNames);
    }

    @Override
    public Run pauseRun(String runId) {
        return control.pause(runId);
    }

    @Override
    public Run resumeRun(String runId) {
        return control.resume(runId);
    }

    @Override
    public Node inspectNode(String runId, String name) {
        return runs.inspectNode(runId, name);
    }

    @Override
    public boolean isRunCompleted(String runId) {
        return runs.isRunCompleted(runId);
    }

    @Override
    public RunPage findRuns(RunQuery query) {
        return runs.findRuns(query);
    }

    @Override
    public Stats stats() {
        return runs.stats();
    }

    @Override
    public List<Agent> listAgents() {
        return agents.list();
    }

    @Override
    public AgentLease registerAgent(Agent agent, Duration ttl) {
        return agents.register(agent, ttl);
    }

    @Override
    public AgentLease heartbeat(String agentId) {
        return agents.heartbeat(agentId);
    }

    @Override
    public void unregisterAgent(String agentId) {
        agents.unregister(agentId);
    }

    @Override
    public ClaimOutcome claimNode(String runId, String name, String agentId, Claim claim) {
        return claims.claim(runId, name, agentId, claim);
    }

    @Override
    public List<ClaimOutcome> claimReady(String agentId, int max, java.util.function.Supplier<Claim> claims) {
        return this.claims.claimReady(agentId, max, claims);
    }

    @Override
    public List<ClaimOutcome> heldFor(String agentId, String requestId) {
        return claims.heldFor(agentId, requestId);
    }

    @Override
    public Finished finishNode(String runId, String name, String claimId, Result result, Dispatch next) {
        return finishes.finish(runId, name, claimId, result, next);
    }

    @Override
    public List<io.adagio.repository.CancelledClaim> cancelledFor(String agentId) {
        return signals.cancelledFor(agentId);
    }

    @Override
    public Finished completeByHand(String runId, String name, byte[] output) {
        return finishes.completeByHand(runId, name, output);
    }

    @Override
    public Subscription subscribe(EventFilter filter, Cursor after, EventSink sink) {
        return events.subscribe(filter, after, sink);
    }

    // ---- pending finishes ---------------------------------------------------------------------------------

    /**
     * Completes the finishes recorded at least the grace period ago and not passed on yet, the starts whose
     * roots were not all released (their process died or lost etcd half-way), and the cancels whose grace is over
     * (or whose canceller died half-way). Runs periodically on every replica; racing replicas are harmless.
     *
     * @return how many were completed
     */
    int recoverPendingFinishes() {
        return propagator.recover(intentGrace) + roots.recover(intentGrace, shapes::find) + cancels.recover(intentGrace);
    }

    /** Test hook: how old a pending finish must be before the recovery completes it (default 5 s). */
    void intentGrace(Duration grace) {
        this.intentGrace = grace;
    }

    /** Test hook: told the count of batches passed on after each batch of a finish; throwing stops it there. */
    void afterPropagationBatch(IntConsumer hook) {
        propagator.afterBatch(hook);
    }

    /** Test hook: fences off a cancel as a replica that listed its intent at {@code revision} would. */
    void fenceCancel(String runId, long revision) {
        cancels.fence(runId, revision);
    }

    /** Test hook: fires the node timers that are due now (as every replica does every {@link #TIMER_INTERVAL}). */
    int fireDueTimers() {
        return timers.fireDue();
    }

    private void fireQuietly() {
        try {
            timers.fireDue();
        } catch (RuntimeException e) {
            log.debug("firing node timers failed: {}", e.getMessage());
        }
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

    /** Stops the watch, ends every subscription ({@link EventSink#onClose}) and closes the etcd client. */
    @Override
    public void close() {
        recovery.shutdownNow();
        timerThread.shutdownNow();
        watch.close();
        events.close();
        client.close();
    }
}
