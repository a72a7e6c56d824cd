package io.adagio.repository.etcd;

import io.adagio.engine.Cancellation;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Run;
import io.adagio.model.RunOutcome;
import io.adagio.model.RunStatus;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.RunEndedException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A run's cancel on etcd, the engine's {@link Cancellation} applied in steps any replica can complete:
 * <ol>
 *   <li>the cancel intent {@code intents/<run-id>/cancel} is recorded, with the time its grace ends (a second
 *       cancel keeps the earlier of the two);</li>
 *   <li>the cancel reaches the nodes not completed, in guarded batches ({@link NodeBatches}): those not claimed
 *       complete as cancelled; each RUNNING one is marked, and a signal key {@code signals/<run-id>/node/<name>}
 *       ({@code {"kind": "cancel", "agent_id": …}}) is put with its holder's lease in the same transaction, which
 *       every replica's watch turns into a NODE_CANCELLED event naming the holder;</li>
 *   <li>when the grace is over — at once for a grace of zero, else on a timer of the replica that cancelled, or
 *       on any replica's periodic {@link #recover} — what is still not completed completes as cancelled (its
 *       running key deleted, so its claim is fenced off) and its signal key goes; then the intent is deleted.</li>
 * </ol>
 * Every step is idempotent, so replicas racing on one run, or a step repeated after a crash, change nothing twice.
 * A finish of a marked node in its grace deletes its signal key ({@link EtcdFinishes}).
 */
final class EtcdCancels {
    private static final Logger log = LoggerFactory.getLogger(EtcdCancels.class);

    private final KV kv;
    private final Keys keys;
    private final EtcdCodec codec;
    private final EtcdCalls calls;
    private final KeyRanges ranges;
    private final EtcdRuns runs;
    private final EtcdAgents agents;
    private final NodeBatches batches;
    private final GuardedTxns txns;
    private final Clock clock;
    private final ScheduledExecutorService timer;

    EtcdCancels(KV kv, Keys keys, EtcdCodec codec, EtcdCalls calls, KeyRanges ranges, EtcdRuns runs, EtcdAgents agents,
                NodeBatches batches, GuardedTxns txns, Clock clock, ScheduledExecutorService timer) {
        this.kv = kv;
        this.keys = keys;
        this.codec = codec;
        this.calls = calls;
        this.ranges = ranges;
        this.runs = runs;
        this.agents = agents;
        this.batches = batches;
        this.txns = txns;
        this.clock = clock;
        this.timer = timer;
    }

    /** See {@link io.adagio.repository.Repository#cancelRun}. */
    Run cancel(String runId, Duration grace) {
        Run run = runs.inspectRun(runId);
        if (run.status() == RunStatus.COMPLETED) {
            if (run.outcome() != RunOutcome.CANCELLED) {
                throw new RunEndedException(runId, run.outcome());
            }
            return run;
        }
        Recorded intent = record(runId, clock.instant().plus(grace));
        reach(runId, run, intent.revision());
        if (!intent.fenceAt().isAfter(clock.instant())) {
            fence(runId, intent.revision());
        } else {
            long ms = Math.max(0, Duration.between(clock.instant(), intent.fenceAt()).toMillis());
            timer.schedule(() -> fenceQuietly(runId, intent.revision()), ms, TimeUnit.MILLISECONDS);
        }
        return runs.inspectRun(runId);
    }

    /** A recorded cancel intent: when its grace ends, and the mod revision of its key (what its steps hold to). */
    private record Recorded(Instant fenceAt, long revision) {
    }

    /** Records the cancel intent (keeping an earlier end of grace). */
    private Recorded record(String runId, Instant fenceAt) {
        ByteSequence key = Keys.bytes(keys.cancelIntent(runId));
        return txns.retry("recording the cancel of " + runId, attempt -> {
            GetResponse got = calls.await(kv.get(key), "reading the cancel of " + runId);
            long revision = got.getKvs().isEmpty() ? 0 : got.getKvs().get(0).getModRevision();
            EtcdCodec.CancelIntent earlier = got.getKvs().isEmpty() ? null : codec.cancelIntent(got.getKvs().get(0).getValue());
            if (earlier != null && earlier.fenceAt() != null && !earlier.fenceAt().isAfter(fenceAt)) {
                return Optional.of(new Recorded(earlier.fenceAt(), revision));
            }
            Instant created = earlier != null && earlier.createdAt() != null ? earlier.createdAt() : clock.instant();
            Optional<io.etcd.jetcd.kv.TxnResponse> put = txns.apply(
                    List.of(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(revision))),
                    List.of(Op.put(key, codec.cancelIntent(new EtcdCodec.CancelIntent(created, fenceAt)), PutOption.DEFAULT)),
                    "recording the cancel of " + runId);
            return put.map(r -> new Recorded(fenceAt, r.getHeader().getRevision()));
        });
    }

    /** The mod revision of the run's cancel intent now; 0 when there is none. */
    private long intentRevision(String runId) {
        GetResponse got = calls.await(kv.get(Keys.bytes(keys.cancelIntent(runId))), "reading the cancel of " + runId);
        return got.getKvs().isEmpty() ? 0 : got.getKvs().get(0).getModRevision();
    }

    /**
     * What every step of one cancel holds to: its intent as recorded. A retry that forgot it, or a second cancel
     * that replaced it, stops this one's steps (the second cancel goes on with its own).
     */
    private NodeBatches.Guard guard(String runId, long revision) {
        return new NodeBatches.Guard(List.of(new Cmp(Keys.bytes(keys.cancelIntent(runId)), Cmp.Op.EQUAL,
                CmpTarget.modRevision(revision))), () -> intentRevision(runId) == revision);
    }

    /** Step 2: the cancel reaches every node it has not reached yet; false when the intent was replaced. */
    private boolean reach(String runId, Run run, long revision) {
        List<String> names = run.nodes().stream()
                .filter(n -> n.status() != NodeStatus.COMPLETED && !n.cancelled()).map(Node::name).toList();
        if (names.isEmpty()) {
            return true;
        }
        Map<Long, String> holders = agents.byLease();
        Instant now = clock.instant();
        return batches.applyAll(runId, names, (f, ops) -> Cancellation.reach(f.node(), now).map(next -> {
            long bytes = Propagator.writes(keys, codec, runId, f.node(), next, 0, ops);
            String holder = holders.get(f.runningLease());
            if (Cancellation.tellsHolder(f.node(), next) && holder != null) {
                ByteSequence signal = codec.signal(holder, f.node().claim().id());
                ops.add(Op.put(Keys.bytes(keys.signal(runId, next.name())), signal,
                        PutOption.builder().withLeaseId(f.runningLease()).build()));
                bytes += signal.size() + 64;
            }
            return bytes;
        }).orElse(0L), "cancelling " + runId, n -> { }, guard(runId, revision));
    }

    /**
     * Step 3: the cancel reaches what it had not (its canceller may have died half-way), then what has not
     * completed completes cancelled (claims fenced off), then the intent goes — each step held to the intent as
     * recorded at {@code revision}, so a retry or a newer cancel since stops it.
     */
    void fence(String runId, long revision) {
        Run run;
        try {
            run = runs.inspectRun(runId);
        } catch (NotFoundException e) {
            deleteIntent(runId, revision);
            return;
        }
        if (!reach(runId, run, revision)) {
            return;
        }
        run = runs.inspectRun(runId);
        List<String> names = run.nodes().stream().filter(n -> n.status() != NodeStatus.COMPLETED).map(Node::name).toList();
        Instant now = clock.instant();
        boolean done = batches.applyAll(runId, names, (f, ops) -> Cancellation.fence(f.node(), now).map(next -> {
            ops.add(Op.delete(Keys.bytes(keys.signal(runId, next.name())), DeleteOption.DEFAULT));
            return Propagator.writes(keys, codec, runId, f.node(), next, 0, ops);
        }).orElse(0L), "fencing off the cancelled " + runId, n -> { }, guard(runId, revision));
        if (done) {
            deleteIntent(runId, revision);
            if (!names.isEmpty()) {
                log.info("run {}: the cancel's grace is over; {} node(s) completed as cancelled", runId, names.size());
            }
        }
    }

    /** Deletes the cancel intent if it is still the one recorded at {@code revision}. */
    private void deleteIntent(String runId, long revision) {
        ByteSequence key = Keys.bytes(keys.cancelIntent(runId));
        calls.await(kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(revision)))
                .Then(Op.delete(key, DeleteOption.DEFAULT)).commit(), "deleting the cancel of " + runId);
    }

    /** Forgets the run's cancel: its intent goes, so no replica reaches or fences its nodes for it any more. */
    void forget(String runId) {
        calls.await(kv.delete(Keys.bytes(keys.cancelIntent(runId))), "forgetting the cancel of " + runId);
    }

    private void fenceQuietly(String runId, long revision) {
        try {
            if (intentRevision(runId) == revision) { // else completed elsewhere, replaced, or forgotten by a retry
                fence(runId, revision);
            }
        } catch (RuntimeException e) {
            log.debug("fencing off the cancelled run {} failed ({}); the recovery will", runId, e.getMessage());
        }
    }

    /**
     * Completes the cancels left behind: those whose grace is over are fenced off; those older than {@code grace}
     * (whose canceller may have died before reaching every node) reach their nodes again. Safe on any number of
     * replicas at once: each step holds to the intent as listed.
     *
     * @return how many cancels it fenced off
     */
    int recover(Duration grace) {
        int done = 0;
        Instant now = clock.instant();
        for (KeyValue kv : ranges.all(keys.intents(), 0, false)) {
            Optional<String> runId = keys.parseCancelIntent(Keys.text(kv.getKey()));
            if (runId.isEmpty()) {
                continue;
            }
            try {
                EtcdCodec.CancelIntent intent = codec.cancelIntent(kv.getValue());
                if (intent.fenceAt() == null || !intent.fenceAt().isAfter(now)) {
                    fence(runId.get(), kv.getModRevision());
                    done++;
                } else if (intent.createdAt() == null || !intent.createdAt().plus(grace).isAfter(now)) {
                    reach(runId.get(), runs.inspectRun(runId.get()), kv.getModRevision());
                }
            } catch (NotFoundException e) {
                deleteIntent(runId.get(), kv.getModRevision());
            } catch (RuntimeException e) {
                log.warn("could not complete the cancel of {}: {}", runId.get(), e.toString());
            }
        }
        return done;
    }
}
