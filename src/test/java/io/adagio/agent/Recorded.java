package io.adagio.agent;

import io.adagio.model.Result;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real control plane connection, counted: how many batch claims and finishes an agent makes and how many
 * nodes they carry. It can also lose the answer to the next batch claim that wins something, as a network
 * would: the control plane claims, the agent hears {@link ControlPlane.Unavailable}.
 */
final class Recorded implements ControlPlane {
    private final ControlPlane real;
    final AtomicInteger claimBatches = new AtomicInteger();
    final AtomicInteger finishBatches = new AtomicInteger();
    final AtomicInteger finished = new AtomicInteger();
    final AtomicInteger singleFinishes = new AtomicInteger();
    private final AtomicInteger winsToLose = new AtomicInteger();
    /** The claims whose answers were lost. */
    final List<ClaimReply.Claimed> lost = new CopyOnWriteArrayList<>();

    Recorded(ControlPlane real) {
        this.real = real;
    }

    /** Asking for the claims of a lost answer answers none, as if asked before the lost request made them. */
    final java.util.concurrent.atomic.AtomicBoolean claimedForTooSoon = new java.util.concurrent.atomic.AtomicBoolean();

    /** Asking for the claims of a lost answer fails (as if the control plane could not be reached). */
    final java.util.concurrent.atomic.AtomicBoolean claimedForDown = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * The control plane cannot be reached: every call fails before it is sent, as a connection refused by a
     * stopped server would.
     */
    final java.util.concurrent.atomic.AtomicBoolean unreachable = new java.util.concurrent.atomic.AtomicBoolean();
    /** Set with a lost answer: the control plane became unreachable with it (its process was killed). */
    private final java.util.concurrent.atomic.AtomicBoolean goneWithTheLostAnswer =
            new java.util.concurrent.atomic.AtomicBoolean();
    /** How often the claims of a lost answer were asked for. */
    final AtomicInteger claimedForAsks = new AtomicInteger();
    final AtomicInteger unregisters = new AtomicInteger();

    /** The next {@code n} batch claims that win nodes claim them, and their answers are lost. */
    void loseTheNextClaimsThatWin(int n) {
        winsToLose.set(n);
    }

    /** The next batch claim that wins claims, its answer is lost, and the control plane is {@link #unreachable}. */
    void loseTheNextClaimThatWinsAndGoUnreachable() {
        goneWithTheLostAnswer.set(true);
        winsToLose.set(1);
    }

    private void reach() throws Unavailable {
        if (unreachable.get()) {
            throw Unavailable.notSent("connection refused (test)", null);
        }
    }

    @Override
    public long register(String agentId, List<String> runtimes) throws Unavailable {
        reach();
        return real.register(agentId, runtimes);
    }

    @Override
    public boolean heartbeat(String agentId) throws Unavailable {
        reach();
        return real.heartbeat(agentId);
    }

    @Override
    public void unregister(String agentId) throws Unavailable {
        reach();
        unregisters.incrementAndGet();
        real.unregister(agentId);
    }

    @Override
    public ClaimReply claim(String runId, String node, String agentId, String requestId) throws Unavailable {
        reach();
        return real.claim(runId, node, agentId, requestId);
    }

    @Override
    public Finish finish(String runId, String node, String agentId, String claimId, Result result, int next)
            throws Unavailable {
        reach();
        singleFinishes.incrementAndGet();
        return real.finish(runId, node, agentId, claimId, result, next);
    }

    @Override
    public List<ClaimReply.Claimed> claimBatch(String agentId, int max, Duration wait, String requestId)
            throws Unavailable, NotRegistered, InterruptedException {
        reach();
        claimBatches.incrementAndGet();
        List<ClaimReply.Claimed> won = real.claimBatch(agentId, max, wait, requestId);
        if (!won.isEmpty() && winsToLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            lost.addAll(won);
            if (goneWithTheLostAnswer.getAndSet(false)) {
                unreachable.set(true);
            }
            throw new Unavailable("the answer was lost (test)", null);
        }
        return won;
    }

    @Override
    public List<ClaimReply.Claimed> claimedFor(String agentId, String requestId)
            throws Unavailable, NotRegistered, InterruptedException {
        claimedForAsks.incrementAndGet();
        reach();
        if (claimedForDown.get()) {
            throw new Unavailable("cannot ask for the claims (test)", null);
        }
        if (claimedForTooSoon.get()) {
            return List.of(); // as if the lost request were still claiming on the server
        }
        return real.claimedFor(agentId, requestId);
    }

    @Override
    public Finishes finishBatch(String agentId, List<Finishing> finishes, int next)
            throws Unavailable, NotRegistered, Refused, InterruptedException {
        reach();
        finishBatches.incrementAndGet();
        Finishes f = real.finishBatch(agentId, finishes, next);
        finished.addAndGet(finishes.size());
        return f;
    }

    @Override
    public void follow(String agentId, List<String> runtimes, String lastPosition, Listener listener)
            throws Unavailable, InterruptedException {
        reach();
        real.follow(agentId, runtimes, lastPosition, listener);
    }

    @Override
    public void close() {
        real.close();
    }
}
