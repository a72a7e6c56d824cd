package io.adagio.repository.etcd;

import io.adagio.model.NodeStatus;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Makes the roots of a run written in batches READY, never before its run key: the original's agents read the run
 * key at a READY event's revision and drop the event when it is not there yet. The batches write the roots' state
 * keys WAITING; the run key's transaction moves as many of them to READY as fit in it. When more roots are left
 * (more than about {@code max-txn-ops / 2}), that transaction also records a start intent
 * ({@code intents/<run-id>/start}, outside every prefix the original reads), {@link #release} moves the rest in
 * guarded batches and deletes the intent, and {@link #recover} — on any replica — completes an intent whose start
 * did not get to its end. Each move is guarded by the root's WAITING key, so one released twice (by the start and
 * a recovery at once) is moved once: a root claimed meanwhile is never given a READY key again.
 */
final class RootRelease {
    private static final Logger log = LoggerFactory.getLogger(RootRelease.class);

    private final KV kv;
    private final Keys keys;
    private final EtcdCodec codec;
    private final EtcdCalls calls;
    private final KeyRanges ranges;
    private final Clock clock;
    /** Told the number of each release batch before it is sent; a test hook to stop a start half-way. */
    private volatile IntConsumer beforeBatch = n -> { };
    /** Roots per release transaction: one compare and two operations each, counted together as TxnLimits does. */
    private final int perTxn;

    RootRelease(KV kv, Keys keys, EtcdCodec codec, EtcdCalls calls, KeyRanges ranges, TxnLimits limits, Clock clock) {
        this.kv = kv;
        this.ranges = ranges;
        this.keys = keys;
        this.codec = codec;
        this.calls = calls;
        this.clock = clock;
        this.perTxn = Math.max(1, limits.maxTxnOps() / 3);
    }

    void beforeBatch(IntConsumer hook) {
        this.beforeBatch = hook;
    }

    /** The operations moving a root's state key from WAITING to READY. */
    List<Op> move(String runId, String root) {
        return List.of(Op.delete(waiting(runId, root), DeleteOption.DEFAULT),
                Op.put(Keys.bytes(keys.state(NodeStatus.READY, runId, root)), ByteSequence.EMPTY, PutOption.DEFAULT));
    }

    /** About how many bytes {@link #move} sends. */
    long moveBytes(String runId, String root) {
        return 2L * keys.state(NodeStatus.WAITING, runId, root).length() + 64;
    }

    /** The operation recording that the run's roots are not all released yet, for the run key's transaction. */
    Op recordIntent(String runId) {
        return Op.put(Keys.bytes(keys.startIntent(runId)), codec.startIntent(clock.instant()), PutOption.DEFAULT);
    }

    /** Moves each of the roots still WAITING to READY, in guarded batches; then deletes the start intent. */
    void release(String runId, List<String> roots) {
        for (int from = 0, n = 1; from < roots.size(); from += perTxn, n++) {
            beforeBatch.accept(n);
            List<String> batch = roots.subList(from, Math.min(roots.size(), from + perTxn));
            if (!moveAll(runId, batch)) {
                for (String root : batch) { // some moved already (a recovery racing this start): the rest one by one
                    moveAll(runId, List.of(root));
                }
            }
        }
        calls.await(kv.delete(Keys.bytes(keys.startIntent(runId))), "deleting the start intent of " + runId);
    }

    /**
     * Moves the roots in one transaction, guarded by every one of them still WAITING and its node as the start wrote
     * it (version 1: not paused, cancelled or retried since — a paused root is made READY by the resume); whether it
     * did.
     */
    private boolean moveAll(String runId, List<String> roots) {
        List<Cmp> guards = new ArrayList<>(2 * roots.size());
        List<Op> ops = new ArrayList<>(2 * roots.size());
        for (String root : roots) {
            guards.add(new Cmp(waiting(runId, root), Cmp.Op.GREATER, CmpTarget.version(0)));
            guards.add(new Cmp(Keys.bytes(keys.node(runId, root)), Cmp.Op.EQUAL, CmpTarget.version(1)));
            ops.addAll(move(runId, root));
        }
        return calls.await(kv.txn().If(guards.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new)).commit(),
                "releasing " + roots.size() + " roots of " + runId).isSucceeded();
    }

    /**
     * Completes every start intent recorded at least {@code grace} ago (younger ones are most likely being
     * completed by the start that wrote them): every root of the run still WAITING is made READY.
     *
     * @param shapes the shape of a run by id (empty when its run key is not there)
     * @return how many intents were completed
     */
    int recover(Duration grace, Function<String, Optional<RunShape>> shapes) {
        int done = 0;
        Instant now = clock.instant();
        for (KeyValue intent : ranges.all(keys.intents(), 0, false)) {
            Optional<String> runId = keys.parseStartIntent(Keys.text(intent.getKey()));
            if (runId.isEmpty()) {
                continue;
            }
            try {
                Instant at = codec.startIntent(intent.getValue());
                if (at != null && at.plus(grace).isAfter(now)) {
                    continue;
                }
                Optional<RunShape> shape = shapes.apply(runId.get());
                if (shape.isEmpty()) {
                    log.warn("start intent of {} names no visible run; left alone", runId.get());
                    continue;
                }
                log.info("releasing the roots of run {}, whose start did not get to its end", runId.get());
                release(runId.get(), shape.get().topology().specs().stream().map(s -> s.name())
                        .filter(shape.get().topology()::isRoot).toList());
                done++;
            } catch (RuntimeException e) {
                log.warn("could not release the roots of run {}: {}", runId.get(), e.toString());
            }
        }
        return done;
    }

    private ByteSequence waiting(String runId, String root) {
        return Keys.bytes(keys.state(NodeStatus.WAITING, runId, root));
    }
}
