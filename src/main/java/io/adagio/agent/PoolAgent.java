package io.adagio.agent;

import io.adagio.agent.runtime.NodeRuntime;
import io.adagio.agent.runtime.Task;
import io.adagio.model.Conclusion;
import io.adagio.model.Result;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One agent of the pool, with its own id and lease, holding up to {@code slots} nodes at once.
 *
 * <p>One control thread is the only caller of claims and finishes for the agent; {@code slots} slot threads only
 * run runtimes and hand their results back to it. The control thread, in a loop:
 * <ol>
 * <li>sends every result waiting (and those that come within {@link #GATHER} while other slots still run) in
 *     one batch finish, asking for {@code next} = the slots those finishes free (eager dispatch: a chain's next
 *     node comes back in the answer), and starts the claims it answers; a batch refused whole is sent again
 *     one by one, and a result refused on its own is finished ERROR, saying why;</li>
 * <li>recovers a NODE_ORPHANED hint: claims that node alone (with a request id) and finishes it ERROR
 *     "node was orphaned" without running it, as the original does; the retry rules decide what follows;</li>
 * <li>otherwise, with slots free, claims a batch of up to that many READY nodes: a long poll when it holds
 *     nothing, else a claim that does not wait, made after a wake-up — a result, an event from the pool's
 *     feed (a NODE_READY is only a wake-up: a batch claim takes whatever is ready, not the hinted node) — or
 *     when the poll interval has passed.</li>
 * </ol>
 *
 * <p>Releasing: the agent ends its lease and registers again, which orphans every node it holds for another
 * agent to recover. It does so when a finish cannot be delivered at all — at once, so the nodes still running
 * in its slots are released too and their results dropped — and when the answer to a batch claim was lost and
 * could not be had again (or a claim of an orphaned node went unanswered): the control plane may then hold nodes
 * for this agent that it was never told about.
 * Then it stops claiming, finishes the nodes it knows, and releases when it holds none of them, so only the
 * unknown ones are orphaned. A lost answer is normally had again: for a batch claim the agent asks for the claims
 * made for its request id (an empty answer is not trusted — the lost request may still be claiming — and taints
 * the agent as above); a batch finish is sent again as it was, which answers the same claims
 * (those it dispatched, and the others, which are named after the batch); a single claim is retried with its
 * request id, which answers the same claim.
 */
final class PoolAgent {
    private static final Logger log = LoggerFactory.getLogger(PoolAgent.class);
    static final String ORPHANED = "node was orphaned";
    /** The longest long poll; a third of the lease TTL when that is shorter. */
    static final Duration MAX_POLL = Duration.ofSeconds(1);
    /** The most a batch call carries (the API's limit). */
    private static final int MAX_BATCH = 1000;
    private static final int FINISH_ATTEMPTS = 20;
    /** Attempts at asking for the claims of a batch claim whose answer was lost before the agent is tainted. */
    static final int LOST_CLAIM_ATTEMPTS = 10;
    /**
     * How long results wait for those of the nodes still running in the other slots, so that nodes that end
     * close together are finished in one call (a lone node, e.g. a chain's, never waits).
     */
    static final Duration GATHER = Duration.ofMillis(1);

    private final String id;
    private final ControlPlane client;
    private final Map<String, NodeRuntime> runtimes;
    private final Hints orphans;
    private final int slots;
    private final Backoff callBackoff;

    /** Guards the wake-up flag and signals the control thread (results, wake-ups, stop). */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signal = lock.newCondition();
    private boolean woken;
    /** Results handed back by the slot threads, for the control thread. */
    private final ConcurrentLinkedQueue<Done> results = new ConcurrentLinkedQueue<>();
    private volatile boolean running;
    /** Set when the stop's grace is over: runtimes are interrupted, nothing more is sent. */
    private volatile boolean abandoned;

    // ---- the control thread's own state ----
    /** The nodes this agent knows it holds: running in a slot, or with a result not yet finished. */
    private int held;
    /** Bumped when the lease is released: results of nodes claimed before are dropped. */
    private long epoch;
    /** A claiming call's answer was lost: claim nothing more, release once nothing known is held. */
    private boolean tainted;
    private Duration pollWait = MAX_POLL;
    /** How often the lease is renewed by a heartbeat: a third of the TTL, at most {@link #MAX_POLL}. */
    private volatile Duration heartbeatEvery = MAX_POLL;
    /** A release failed and is being tried again (said once in the log). */
    private boolean releasePending;

    private Thread control;
    private ExecutorService slotThreads;
    /** The claims running in slots now (by claim id) → the slot thread running each; guards its own changes. */
    private final Map<String, Thread> inSlots = new java.util.HashMap<>();
    /** The claims of {@link #inSlots} that were cancelled: their slot thread was interrupted for it. */
    private final java.util.Set<String> cancelled = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A node this agent holds, being run in a slot. */
    private record Work(long epoch, ControlPlane.ClaimReply.Claimed claimed) {
    }

    /**
     * A node's result, handed back to the control thread; null when abandoned by shutdown. {@code replaced}: it
     * is the ERROR sent in place of a result the control plane refused.
     */
    private record Done(long epoch, String runId, String node, String claimId, Result result, boolean replaced) {
        Done(long epoch, String runId, String node, String claimId, Result result) {
            this(epoch, runId, node, claimId, result, false);
        }
    }

    PoolAgent(String id, ControlPlane client, Map<String, NodeRuntime> runtimes, Hints orphans, int slots,
              Duration backoffMin, Duration backoffMax) {
        if (slots < 1) {
            throw new IllegalArgumentException("an agent needs at least one slot");
        }
        this.id = id;
        this.client = client;
        this.runtimes = Map.copyOf(runtimes);
        this.orphans = orphans;
        this.slots = slots;
        this.callBackoff = new Backoff(backoffMin, backoffMax);
    }

    String id() {
        return id;
    }

    List<String> runtimeNames() {
        return runtimes.keySet().stream().sorted().toList();
    }

    /** Registers (retrying until the control plane answers or the agent is stopped) and starts working. */
    void start() {
        running = true;
        AtomicInteger n = new AtomicInteger();
        slotThreads = Executors.newFixedThreadPool(slots, r -> {
            Thread t = new Thread(r, "adagio-agent-" + id + "-slot-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
        control = new Thread(this::control, "adagio-agent-" + id);
        control.setDaemon(true);
        control.start();
    }

    /** How long until the next {@link #heartbeat}: a third of the lease TTL, at most a second. */
    Duration heartbeatEvery() {
        return heartbeatEvery;
    }

    /** Renews the lease; registers again when it is gone. */
    void heartbeat() {
        try {
            if (!client.heartbeat(id)) {
                client.register(id, runtimeNames());
            }
        } catch (ControlPlane.Unavailable e) {
            log.debug("agent {}: heartbeat failed: {}", id, e.getMessage());
        }
    }

    /** Something may be claimable (an event came): an agent with free slots claims a batch. */
    void wake() {
        lock.lock();
        try {
            woken = true;
            signal.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The node's run was cancelled (a NODE_CANCELLED naming this agent): if it runs in a slot, its runtime is
     * interrupted (an {@code exec} process is killed), and its finish says it was cancelled. A node not (or no
     * longer) running here by that claim is left alone.
     */
    void cancel(String runId, String node, String claimId) {
        String key = claimId;
        if (key == null) {
            return;
        }
        synchronized (inSlots) {
            Thread slot = inSlots.get(key);
            if (slot != null && cancelled.add(key)) {
                log.info("agent {}: node {} of run {} was cancelled; stopping it", id, node, runId);
                slot.interrupt();
            }
        }
    }

    /**
     * Stops claiming, lets the nodes in hand finish (and their results be sent) for up to {@code grace}, then
     * unregisters: nodes still running are released (orphaned) for another agent to recover.
     */
    void stop(Duration grace) {
        lock.lock();
        try {
            running = false;
            signal.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            control.join(grace.toMillis());
            if (control.isAlive()) {
                abandoned = true;
                slotThreads.shutdownNow();
                control.interrupt();
                control.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        slotThreads.shutdownNow();
        try {
            client.unregister(id);
        } catch (ControlPlane.Unavailable e) {
            log.debug("agent {}: unregister failed: {}", id, e.getMessage());
        }
        client.close();
    }

    // ---- the control thread ---------------------------------------------------------------------------------

    private void control() {
        MDC.put("agent_id", id);
        try {
            if (!registerFirst()) {
                return;
            }
            while (!abandoned) {
                try {
                    work();
                    return;
                } catch (RuntimeException e) {
                    log.error("agent {}: unexpected failure; going on with the {} node(s) it holds", id, held, e);
                    sleep(callBackoff.next());
                }
            }
        } catch (InterruptedException e) {
            log.debug("agent {}: stopped while working", id);
        } finally {
            MDC.remove("agent_id");
        }
    }

    /** The control loop (see the class comment); returns when stopped and nothing is held any more. */
    private void work() throws InterruptedException {
        long lastClaim = System.nanoTime() - pollWait.toNanos();
        while (!abandoned) {
            List<Done> done = drain();
            if (!done.isEmpty()) {
                gather(done);
                finish(done);
                continue;
            }
            if (!running) {
                if (held == 0) {
                    return;
                }
                await(false, Duration.ofSeconds(1));
                continue;
            }
            if (tainted) {
                if (held == 0) {
                    release("the answer to a claim was lost, so it may hold nodes it does not know of");
                } else {
                    await(false, Duration.ofSeconds(1));
                }
                continue;
            }
            int free = slots - held;
            if (free <= 0) {
                await(false, Duration.ofSeconds(1));
                continue;
            }
            Hints.Hint orphan = orphans.take(0);
            if (orphan != null) {
                recover(orphan);
                continue;
            }
            boolean idle = held == 0;
            Duration interval = pollWait.isZero() ? Duration.ofMillis(250) : pollWait;
            if (takeWake() || idle || System.nanoTime() - lastClaim >= interval.toNanos()) {
                lastClaim = System.nanoTime();
                Duration wait = idle ? pollWait : Duration.ZERO;
                if (claim(free, wait) > 0 || !wait.isZero()) {
                    continue;
                }
            }
            await(true, interval.minusNanos(System.nanoTime() - lastClaim));
        }
    }

    /** Registers, retrying until it is answered; false when stopped first. */
    private boolean registerFirst() throws InterruptedException {
        Backoff registering = new Backoff(callBackoff.next(), Duration.ofSeconds(2));
        while (running) {
            try {
                register();
                return true;
            } catch (ControlPlane.Unavailable e) {
                log.debug("agent {}: cannot register yet: {}", id, e.getMessage());
                sleep(registering.next());
            }
        }
        return false;
    }

    /** Registers (again) and takes the long poll's wait from the lease TTL: at most a third of it. */
    private void register() throws ControlPlane.Unavailable {
        long ttl = client.register(id, runtimeNames());
        Duration third = Duration.ofSeconds(ttl).dividedBy(3);
        pollWait = third.compareTo(MAX_POLL) < 0 ? third : MAX_POLL;
        heartbeatEvery = pollWait.isZero() ? Duration.ofMillis(100) : pollWait;
    }

    /**
     * Claims a batch of up to {@code free} READY nodes and starts them; answers how many. The request has an id:
     * when its answer is lost, the agent asks for the claims made for that id ({@link ControlPlane#claimedFor}),
     * and runs them; only when that cannot be had either is the agent tainted (see the class comment).
     */
    private int claim(int free, Duration wait) throws InterruptedException {
        String requestId = java.util.UUID.randomUUID().toString();
        List<ControlPlane.ClaimReply.Claimed> won;
        try {
            won = client.claimBatch(id, Math.min(free, MAX_BATCH), wait, requestId);
            callBackoff.reset();
        } catch (ControlPlane.NotRegistered e) {
            try {
                register();
            } catch (ControlPlane.Unavailable u) {
                await(false, callBackoff.next());
            }
            return 0;
        } catch (ControlPlane.Unavailable e) {
            if (!e.mayHaveHappened()) {
                log.debug("agent {}: cannot claim now: {}", id, e.getMessage());
                await(false, callBackoff.next());
                return 0;
            }
            won = claimedFor(requestId, e);
        } catch (RuntimeException e) {
            // refused as malformed, or an answer that could not be read: what it claimed is not known
            log.error("agent {}: a batch claim failed", id, e);
            won = claimedFor(requestId, new ControlPlane.Unavailable(e.toString(), e));
        }
        start(won);
        return won.size();
    }

    /**
     * The claims a batch claim whose answer was lost made for this agent, asked for until answered; empty, and the
     * agent tainted, when {@link #LOST_CLAIM_ATTEMPTS} asks reached the control plane and none was answered. An
     * ask that could not reach it at all does not count: while the control plane cannot be reached, nothing could
     * be released through it either, and once it is back it answers the claims (or, if the lease ended meanwhile,
     * that the agent is not registered: what the claim made was orphaned with it). So a control plane that is
     * restarted within the lease TTL costs no orphan, however long its start takes.
     */
    private List<ControlPlane.ClaimReply.Claimed> claimedFor(String requestId, ControlPlane.Unavailable lost)
            throws InterruptedException {
        log.debug("agent {}: the answer to a batch claim was lost ({}); asking for its claims", id, lost.getMessage());
        int reached = 0;
        while (reached < LOST_CLAIM_ATTEMPTS && running) {
            sleep(callBackoff.next());
            try {
                List<ControlPlane.ClaimReply.Claimed> held = client.claimedFor(id, requestId);
                callBackoff.reset();
                if (held.isEmpty()) {
                    // nothing yet, but the lost request may still be claiming on the server (its answer was given
                    // up on, not refused): release what it may still make rather than trust the empty answer
                    taint("a batch claim (none found for its request id yet)", lost);
                }
                return held;
            } catch (ControlPlane.NotRegistered e) {
                return List.of(); // the lease ended: whatever it made was orphaned with it
            } catch (ControlPlane.Unavailable e) {
                log.debug("agent {}: cannot ask for the claims of a lost answer yet: {}", id, e.getMessage());
                if (e.mayHaveHappened()) {
                    reached++;
                }
            } catch (RuntimeException e) {
                log.debug("agent {}: cannot ask for the claims of a lost answer yet: {}", id, e.getMessage());
                reached++;
            }
        }
        taint("a batch claim", lost);
        return List.of();
    }

    /** Marks the agent as holding nodes it may not know of: see the class comment. */
    private void taint(String call, ControlPlane.Unavailable e) {
        if (!tainted) {
            log.warn("agent {}: the answer to {} was lost ({}): the control plane may hold nodes for this agent "
                    + "that it does not know of; it stops claiming, finishes the {} node(s) it knows, then releases "
                    + "the rest by ending its lease", id, call, e.getMessage(), held);
        }
        tainted = true;
    }

    /** Hands claimed nodes to the slot threads. */
    private void start(List<ControlPlane.ClaimReply.Claimed> won) {
        for (ControlPlane.ClaimReply.Claimed c : won) {
            held++;
            Work w = new Work(epoch, c);
            try {
                slotThreads.execute(() -> runInSlot(w));
            } catch (RejectedExecutionException e) {
                held--; // shutting down: released when the agent unregisters
            }
        }
    }

    /**
     * Claims the orphaned node alone (retrying while the control plane is unreachable with the same request
     * id, so a lost answer is not lost) and queues its ERROR "node was orphaned" for the next batch finish. Once
     * a lost answer may have claimed it, tries that could not reach the control plane at all do not count (as
     * in {@link #claimedFor}): the agent asks again until it is answered.
     */
    private void recover(Hints.Hint hint) throws InterruptedException {
        String requestId = UUID.randomUUID().toString();
        boolean maybeClaimed = false;
        int counted = 0;
        for (int attempt = 0; running && !abandoned; attempt++) {
            ControlPlane.ClaimReply r;
            try {
                r = client.claim(hint.runId(), hint.spec().name(), id, requestId);
            } catch (ControlPlane.Unavailable e) {
                maybeClaimed |= e.mayHaveHappened();
                if (e.mayHaveHappened() || !maybeClaimed) {
                    counted++;
                }
                if (counted > 5) {
                    log.warn("agent {}: cannot claim orphaned node {} of run {} now ({}); offering it again", id,
                            hint.spec().name(), hint.runId(), e.getMessage());
                    orphans.offer(hint); // behind the others: this agent or another tries again
                    if (maybeClaimed) {
                        // it may hold the node unknowingly: release it (orphaned again, announced again)
                        tainted = true;
                    }
                    return;
                }
                sleep(callBackoff.next());
                continue;
            }
            if (r instanceof ControlPlane.ClaimReply.NotRegistered && attempt == 0) {
                try {
                    register();
                } catch (ControlPlane.Unavailable e) {
                    return;
                }
                continue;
            }
            callBackoff.reset();
            if (r instanceof ControlPlane.ClaimReply.Claimed c) {
                log.info("agent {}: recovering orphaned node {} of run {}", id, hint.spec().name(), hint.runId());
                held++;
                results.add(new Done(epoch, c.runId(), c.node().name(), c.claim().id(),
                        Result.of(Conclusion.ERROR, ORPHANED)));
            }
            return;
        }
    }

    /**
     * Sends results in one batch finish, retrying while the control plane is unreachable (a repeated finish is
     * idempotent, and answers the same dispatched claims), and starts the claims it answers. When it cannot be
     * delivered at all, releases every node this agent holds by ending its lease.
     */
    private void finish(List<Done> done) throws InterruptedException {
        List<Done> current = new ArrayList<>(done.size());
        for (Done d : done) {
            if (d.epoch() == epoch && d.result() != null) {
                current.add(d);
            } else {
                held--; // released with the lease already, or abandoned by shutdown
            }
        }
        if (current.isEmpty()) {
            return;
        }
        List<ControlPlane.Finishing> items = current.stream()
                .map(d -> new ControlPlane.Finishing(d.runId(), d.node(), d.claimId(), d.result())).toList();
        int next = running && !tainted ? Math.min(MAX_BATCH, slots - (held - current.size())) : 0;
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));
        for (int attempt = 0; attempt < FINISH_ATTEMPTS && !abandoned; attempt++) {
            try {
                ControlPlane.Finishes f = client.finishBatch(id, items, next);
                held -= current.size();
                f.cancelled().forEach(c -> cancel(c.runId(), c.node(), c.claimId())); // told in the answer too
                for (int i = 0; i < current.size(); i++) {
                    if (f.outcomes().get(i) != ControlPlane.Outcome.FINISHED) {
                        log.info("agent {}: finish of {} of run {} was refused ({})", id, current.get(i).node(),
                                current.get(i).runId(), f.outcomes().get(i));
                    }
                }
                start(f.next());
                return;
            } catch (ControlPlane.Refused e) {
                refused(current, e);
                return;
            } catch (ControlPlane.NotRegistered e) {
                // the lease ended, so these nodes were orphaned: register again, and send them once more
                try {
                    register();
                } catch (ControlPlane.Unavailable u) {
                    sleep(backoff.next());
                }
            } catch (ControlPlane.Unavailable e) {
                // the same batch sent again answers the same claims (dispatched, and those named after the batch),
                // so a lost answer loses nothing as long as one of these attempts is answered
                log.debug("agent {}: finish failed, retrying: {}", id, e.getMessage());
                sleep(backoff.next());
            } catch (RuntimeException e) {
                log.error("agent {}: a batch finish failed, retrying", id, e);
                if (next > 0) {
                    taint("a batch finish asking for next claims", new ControlPlane.Unavailable(e.toString(), e));
                }
                sleep(backoff.next());
            }
        }
        if (abandoned) {
            return;
        }
        held -= current.size();
        log.warn("agent {}: could not finish {} node(s) (first: {} of run {}); releasing every node this agent "
                        + "holds ({}, the ones still running included) by ending its lease", id, current.size(),
                current.get(0).node(), current.get(0).runId(), held + current.size());
        release("a finish could not be delivered");
    }

    /**
     * A batch refused whole: its finishes are sent again one by one (finishes are idempotent), and a result
     * refused on its own (e.g. an output over the control plane's limit) is finished ERROR instead, saying why,
     * so the node's retry rules decide. An ERROR refused too cannot be delivered: the node is left to be
     * released with the lease.
     */
    private void refused(List<Done> batch, ControlPlane.Refused e) throws InterruptedException {
        if (batch.size() > 1) {
            log.warn("agent {}: a batch of {} finishes was refused ({}); sending them one by one", id, batch.size(),
                    e.type());
            for (Done d : batch) {
                finish(List.of(d));
            }
            return;
        }
        Done d = batch.get(0);
        if (d.replaced()) {
            log.error("agent {}: even an ERROR for {} of run {} was refused ({}); it is released with the lease",
                    id, d.node(), d.runId(), e.getMessage());
            held--;
            tainted = true;
            return;
        }
        String why = e.getMessage() == null ? e.type() : e.getMessage();
        log.warn("agent {}: the result of {} of run {} was refused ({}); finishing it ERROR instead", id, d.node(),
                d.runId(), why);
        finish(List.of(new Done(d.epoch(), d.runId(), d.node(), d.claimId(), Result.of(Conclusion.ERROR,
                "the control plane refused the result: " + (why.length() > 500 ? why.substring(0, 500) : why)), true)));
    }

    /**
     * Ends the lease and registers again: every node the agent holds is orphaned, for another agent to recover
     * (ERROR "node was orphaned", then the retry rules). Results of nodes claimed before are then dropped. When
     * the lease cannot be ended now, the agent stays tainted and tries again once it holds nothing it knows.
     */
    private void release(String why) throws InterruptedException {
        try {
            client.unregister(id);
        } catch (ControlPlane.Unavailable e) {
            if (!releasePending) {
                log.warn("agent {}: cannot release its lease yet ({}): {}; trying again", id, why, e.getMessage());
            }
            releasePending = true;
            tainted = true;
            await(false, callBackoff.next());
            return;
        }
        releasePending = false;
        epoch++;
        tainted = false;
        log.info("agent {}: released every node it held by ending its lease ({}); registering again", id, why);
        try {
            register();
        } catch (ControlPlane.Unavailable e) {
            log.debug("agent {}: registering again failed (the next call registers): {}", id, e.getMessage());
        }
    }

    // ---- the slot threads -----------------------------------------------------------------------------------

    private void runInSlot(Work w) {
        ControlPlane.ClaimReply.Claimed c = w.claimed();
        MDC.put("agent_id", id);
        MDC.put("run_id", c.runId());
        MDC.put("node", c.node().name());
        Result r;
        String key = c.claim().id();
        synchronized (inSlots) {
            inSlots.put(key, Thread.currentThread());
        }
        try {
            r = run(c, key);
        } catch (Throwable t) {
            log.error("agent {}: node {} of run {} failed in its slot", id, c.node().name(), c.runId(), t);
            r = Result.of(Conclusion.ERROR, String.valueOf(t));
        } finally {
            synchronized (inSlots) {
                inSlots.remove(key);
                if (cancelled.remove(key)) {
                    Thread.interrupted(); // the cancel's interrupt is for this node only, not the slot's next one
                }
            }
            MDC.remove("agent_id");
            MDC.remove("run_id");
            MDC.remove("node");
        }
        results.add(new Done(w.epoch(), c.runId(), c.node().name(), c.claim().id(), r));
        lock.lock();
        try {
            signal.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A cancelled node's result, when its runtime stopped on the interrupt. */
    static final String CANCELLED = "cancelled: its run was cancelled";

    /** Runs the node; null when interrupted by shutdown. */
    private Result run(ControlPlane.ClaimReply.Claimed c, String key) {
        NodeRuntime runtime = runtimes.get(c.node().spec().runtime());
        if (runtime == null) {
            return Result.of(Conclusion.ERROR, "runtime " + c.node().spec().runtime() + " is not offered by agent " + id);
        }
        try {
            Result r = runtime.run(Task.of(c.runId(), c.node().spec(), c.node().inputs(), c.node().attempts(), id));
            return r == null ? Result.of(Conclusion.ERROR, "runtime " + runtime.name() + " returned no result") : r;
        } catch (InterruptedException e) {
            if (cancelled.contains(key)) {
                return Result.of(Conclusion.ERROR, CANCELLED);
            }
            if (!running || abandoned) {
                return null;
            }
            Thread.currentThread().interrupt();
            return Result.of(Conclusion.ERROR, "interrupted");
        } catch (Exception | StackOverflowError e) {
            log.info("agent {}: node {} of run {} crashed: {}", id, c.node().name(), c.runId(), e.toString());
            return Result.of(Conclusion.ERROR, String.valueOf(e.getMessage()));
        }
    }

    // ---- waiting --------------------------------------------------------------------------------------------

    private List<Done> drain() {
        List<Done> out = new ArrayList<>();
        Done d;
        while (out.size() < MAX_BATCH && (d = results.poll()) != null) {
            out.add(d);
        }
        return out;
    }

    /** Adds the results that come within {@link #GATHER} while nodes it holds are still running. */
    private void gather(List<Done> done) throws InterruptedException {
        long deadline = System.nanoTime() + GATHER.toNanos();
        while (done.size() < held && done.size() < MAX_BATCH && !abandoned) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            await(false, Duration.ofNanos(left));
            Done d;
            while (done.size() < MAX_BATCH && (d = results.poll()) != null) {
                done.add(d);
            }
        }
    }

    private boolean takeWake() {
        lock.lock();
        try {
            boolean w = woken;
            woken = false;
            return w;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code d} for a result, a stop, or (when {@code wakeable}) a wake-up; a wake-up seen while
     * not wakeable is kept for later.
     */
    private void await(boolean wakeable, Duration d) throws InterruptedException {
        lock.lock();
        try {
            boolean wasRunning = running;
            long left = d.toNanos();
            while (left > 0 && results.isEmpty() && running == wasRunning && !abandoned && !(wakeable && woken)) {
                left = signal.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    private static void sleep(Duration d) throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(d.toMillis());
    }
}
