package io.adagio.repository.etcd;

import io.adagio.engine.RunTimes;
import io.adagio.engine.Timers;
import io.adagio.model.NodeStatus;
import io.adagio.repository.Dispatch;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.StaleClaimException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Fires the node timers that are due, on any replica ({@link Timers}): one range read of the timer keys up to now
 * ({@link Keys#timers}, written with the nodes by {@link Propagator#writes}); each due node is read and decided from
 * what it is now, so replicas racing on one timer, or a timer fired again, change nothing twice.
 * <ul>
 *   <li>a RUNNING node past its timeout is finished ERROR "timed out" by its claim (the finish's own path, so its
 *       retry rules apply and the holder's later finish is stale); then a signal key is put with the holder's
 *       lease and deleted at once, which every replica's watch turns into a NODE_CANCELLED to the holder (stop
 *       it);</li>
 *   <li>a WAITING node whose backoff is over becomes READY in a guarded transaction (its ready key announced).</li>
 * </ul>
 * A timer key whose node no longer has that due time (it finished, was cancelled, or its run deleted) is deleted.
 */
final class EtcdTimers {
    private static final Logger log = LoggerFactory.getLogger(EtcdTimers.class);
    /** Timer keys looked at per round. */
    private static final int PER_ROUND = 256;

    private final KV kv;
    private final Keys keys;
    private final EtcdCodec codec;
    private final EtcdCalls calls;
    private final NodeReader reader;
    private final NodeBatches batches;
    private final EtcdFinishes finishes;
    private final EtcdAgents agents;
    private final Clock clock;
    private final EtcdRuns runs;
    private final EtcdCancels cancels;

    EtcdTimers(KV kv, Keys keys, EtcdCodec codec, EtcdCalls calls, NodeReader reader, NodeBatches batches,
               EtcdFinishes finishes, EtcdAgents agents, EtcdRuns runs, EtcdCancels cancels, Clock clock) {
        this.runs = runs;
        this.cancels = cancels;
        this.kv = kv;
        this.keys = keys;
        this.codec = codec;
        this.calls = calls;
        this.reader = reader;
        this.batches = batches;
        this.finishes = finishes;
        this.agents = agents;
        this.clock = clock;
    }

    /**
     * Fires what is due now.
     *
     * @return how many timers fired
     */
    int fireDue() {
        Instant now = clock.instant();
        List<KeyValue> due = calls.await(kv.get(Keys.bytes(keys.timers()), GetOption.builder()
                .withRange(Keys.bytes(keys.timersUpTo(now))).withKeysOnly(true).withLimit(PER_ROUND).build()),
                "reading the timers due").getKvs();
        int fired = 0;
        for (KeyValue timer : due) {
            String key = Keys.text(timer.getKey());
            Optional<Keys.RunTimerKey> runTimer = keys.parseRunTimer(key);
            if (runTimer.isPresent()) {
                try {
                    fire(runTimer.get(), timer.getKey(), now);
                    fired++;
                } catch (RuntimeException e) {
                    log.warn("could not fire the {} of run {}: {}", runTimer.get().kind().word(), runTimer.get().runId(),
                            e.toString());
                }
                continue;
            }
            Optional<Keys.NodeRef> ref = keys.parseTimer(key);
            try {
                if (ref.isEmpty() || !fire(ref.get(), keys.timerDue(key), now)) {
                    calls.await(kv.delete(timer.getKey()), "deleting a timer that is not due");
                } else {
                    fired++;
                }
            } catch (NotFoundException e) {
                calls.await(kv.delete(timer.getKey()), "deleting the timer of a deleted run");
            } catch (RuntimeException e) {
                log.warn("could not fire the timer of {}: {}", ref.map(Object::toString).orElse(key), e.toString());
            }
        }
        return fired;
    }

    /**
     * Fires the node's timer if it is due; false when the key (due at {@code keyDue}) is not the node's timer any
     * more (the node was orphaned, finished, cancelled, or its due time changed), so the key goes.
     */
    private boolean fire(Keys.NodeRef ref, Instant keyDue, Instant now) {
        NodeFacts facts = reader.read(ref.runId(), ref.name());
        Optional<Instant> dueAt = Timers.dueAt(facts.node());
        if (dueAt.isEmpty() || keyDue == null || dueAt.get().toEpochMilli() != keyDue.toEpochMilli()) {
            return false;
        }
        Optional<Timers.Due> due = Timers.due(facts.node(), now);
        if (due.isEmpty()) {
            return true; // due within this millisecond: next round
        }
        if (due.get() instanceof Timers.TimedOut t) {
            String holder = agents.byLease().get(facts.runningLease());
            try {
                finishes.finish(ref.runId(), ref.name(), t.claimId(), t.result(), Dispatch.NONE);
                log.info("node {} of run {} timed out after {}", ref.name(), ref.runId(), facts.node().spec().timeout());
            } catch (StaleClaimException e) {
                return true; // its agent finished it first, or another replica timed it out
            }
            if (holder != null && facts.runningLease() != 0) {
                tell(ref, holder, t.claimId(), facts.runningLease());
            }
            return true;
        }
        batches.apply(ref.runId(), List.of(ref.name()), (f, ops) -> Timers.due(f.node(), now)
                .filter(d -> d instanceof Timers.BackoffOver)
                .map(d -> Propagator.writes(keys, codec, ref.runId(), f.node(), ((Timers.BackoffOver) d).next(), 0, ops))
                .orElse(0L), "ending the backoff of " + ref.runId() + "/" + ref.name());
        return true;
    }

    /**
     * Fires a run's own timer ({@link RunTimes}): its deadline cancels it at once, its time to live deletes it; a
     * timer not due yet moves to when it is; one for a run that is gone goes.
     */
    private void fire(Keys.RunTimerKey timer, ByteSequence key, Instant now) {
        io.adagio.model.Run run;
        try {
            run = runs.inspectRun(timer.runId());
        } catch (NotFoundException e) {
            calls.await(kv.delete(key), "deleting the timer of a deleted run");
            return;
        }
        RunTimes.Action action = RunTimes.fire(timer.kind(), run, now);
        if (action instanceof RunTimes.Cancel) {
            log.info("run {} passed its deadline of {}; cancelling it", run.id(), run.deadline());
            try {
                cancels.cancel(run.id(), java.time.Duration.ZERO);
            } catch (io.adagio.repository.RunEndedException e) {
                // it completed meanwhile
            }
        } else if (action instanceof RunTimes.Delete) {
            try {
                runs.deleteRun(run.id());
                log.info("run {} deleted: completed longer than its ttl of {}", run.id(), run.ttl());
            } catch (NotFoundException e) {
                // deleted meanwhile
            } catch (io.adagio.repository.RunNotFinishedException e) {
                return; // retried meanwhile: its timer is looked at again next time
            }
        } else if (action instanceof RunTimes.Later later) {
            // moved only while it is still there: of two replicas moving it, one does
            calls.await(kv.txn().If(new io.etcd.jetcd.op.Cmp(key, io.etcd.jetcd.op.Cmp.Op.GREATER,
                            io.etcd.jetcd.op.CmpTarget.version(0)))
                    .Then(Op.delete(key, io.etcd.jetcd.options.DeleteOption.DEFAULT),
                            Op.put(Keys.bytes(keys.runTimer(later.at(), run.id(), timer.kind())), ByteSequence.EMPTY,
                                    PutOption.DEFAULT)).commit(), "moving the " + timer.kind().word() + " of run " + run.id());
            return;
        }
        calls.await(kv.delete(key), "deleting a run's timer that fired");
    }

    /**
     * A NODE_CANCELLED to the holder of a node that timed out, about its claim: its signal key put (only when no
     * other word to a holder of the node is there) and deleted at once, if still the one put.
     */
    private void tell(Keys.NodeRef ref, String holder, String claimId, long lease) {
        ByteSequence signal = Keys.bytes(keys.signal(ref.runId(), ref.name()));
        try {
            io.etcd.jetcd.kv.TxnResponse put = calls.await(kv.txn()
                    .If(new io.etcd.jetcd.op.Cmp(signal, io.etcd.jetcd.op.Cmp.Op.EQUAL,
                            io.etcd.jetcd.op.CmpTarget.version(0)))
                    .Then(Op.put(signal, codec.signal(holder, claimId), PutOption.builder().withLeaseId(lease).build()))
                    .commit(), "telling the holder of " + ref);
            if (put.isSucceeded()) {
                calls.await(kv.txn().If(new io.etcd.jetcd.op.Cmp(signal, io.etcd.jetcd.op.Cmp.Op.EQUAL,
                                io.etcd.jetcd.op.CmpTarget.modRevision(put.getHeader().getRevision())))
                        .Then(Op.delete(signal, io.etcd.jetcd.options.DeleteOption.DEFAULT)).commit(),
                        "ending the word to the holder of " + ref);
            }
        } catch (LeaseGone e) {
            // the holder is gone: nobody to tell
        }
    }
}
