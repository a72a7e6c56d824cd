package io.adagio.repository.etcd;

import io.adagio.engine.Propagation;
import io.adagio.engine.Topology;
import io.adagio.engine.Transitions;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.repository.BackendUnavailableException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;

/**
 * Passes a finish on to other nodes when it does not fit one transaction (a large fan-out, a large downstream):
 * <ol>
 *   <li>the finish itself, fenced by what was read of the finished node, writes the node and, in the same
 *       transaction, an intent key {@code intents/<run-id>/node/<name>} ({@link #recordIntent});</li>
 *   <li>{@link #complete} applies the engine's {@link Propagation} to the targets in batches
 *       ({@link NodeBatches}), each batch one transaction guarded by the mod revisions of the nodes it changes,
 *       re-read and retried on a conflict;</li>
 *   <li>then deletes the intent.</li>
 * </ol>
 * Every step is idempotent (a target that already has what the propagation gives is left alone), so a
 * propagation may be repeated, resumed after a crash, or run by two replicas at once. {@link #recover} completes
 * the intents left behind by a finish that did not get to its end (process killed, etcd lost), from any replica.
 */
final class Propagator {
    private static final Logger log = LoggerFactory.getLogger(Propagator.class);

    private final KV kv;
    private final Keys keys;
    private final EtcdCodec codec;
    private final EtcdCalls calls;
    private final NodeReader reader;
    private final KeyRanges ranges;
    private final RunShapes shapes;
    private final Clock clock;
    private final NodeBatches batches;
    /** The intents this replica is completing now: its own recovery leaves them alone, however old. */
    private final Set<Keys.NodeRef> inFlight = ConcurrentHashMap.newKeySet();
    /** Told the number of batches applied after each one; a test hook to stop a propagation half-way. */
    private volatile IntConsumer afterBatch = n -> { };

    Propagator(KV kv, Keys keys, EtcdCodec codec, EtcdCalls calls, NodeReader reader, KeyRanges ranges,
               RunShapes shapes, Clock clock, NodeBatches batches) {
        this.kv = kv;
        this.batches = batches;
        this.keys = keys;
        this.codec = codec;
        this.calls = calls;
        this.reader = reader;
        this.ranges = ranges;
        this.shapes = shapes;
        this.clock = clock;
    }

    void afterBatch(IntConsumer hook) {
        this.afterBatch = hook;
    }

    /** The operation that records the intent of a finish, for the finish's own transaction. */
    Op recordIntent(String runId, Propagation p) {
        return Op.put(Keys.bytes(keys.intent(runId, p.from())),
                codec.intent(new EtcdCodec.StoredIntent(p.kind(), clock.instant())), PutOption.DEFAULT);
    }

    /** Whether an intent of that node is pending (a finish recorded it and nobody completed it yet). */
    boolean pending(String runId, String name) {
        return !calls.await(kv.get(Keys.bytes(keys.intent(runId, name))), "reading the intent of " + runId + "/" + name)
                .getKvs().isEmpty();
    }

    /**
     * Applies the propagation to every target, in batches, then deletes its intent.
     *
     * @throws BackendUnavailableException when etcd cannot be reached or a batch kept conflicting; the intent
     *                                     then stays for {@link #recover}
     */
    void complete(RunShape shape, Propagation p, long fromRevision) {
        Keys.NodeRef ref = new Keys.NodeRef(shape.id(), p.from());
        inFlight.add(ref);
        try {
            passOn(shape, p, fromRevision);
        } finally {
            inFlight.remove(ref);
        }
    }

    /**
     * Every batch holds to the finished node as it was finished ({@code fromRevision}, the mod revision of its node
     * key): when it changed since (a retry brought it back), what it passed on is no longer wanted, and this stops;
     * the intent is then the recovery's to judge again from the node as it is.
     */
    private void passOn(RunShape shape, Propagation p, long fromRevision) {
        Topology topology = shape.topology();
        String runId = shape.id();
        ByteSequence from = Keys.bytes(keys.node(runId, p.from()));
        NodeBatches.Guard guard = new NodeBatches.Guard(List.of(new Cmp(from, Cmp.Op.EQUAL,
                io.etcd.jetcd.op.CmpTarget.modRevision(fromRevision))), () -> modRevision(from) == fromRevision);
        boolean done = batches.applyAll(runId, p.targets(topology), (f, ops) -> p.apply(topology, f.node())
                        .map(next -> writes(keys, codec, runId, f.node(), next, 0, ops)).orElse(0L),
                "passing on the finish of " + runId + "/" + p.from(), n -> afterBatch.accept(n), guard);
        if (done) {
            calls.await(kv.delete(Keys.bytes(keys.intent(runId, p.from()))), "deleting the intent of "
                    + runId + "/" + p.from());
        }
    }

    private long modRevision(ByteSequence key) {
        var got = calls.await(kv.get(key), "reading " + Keys.text(key)).getKvs();
        return got.isEmpty() ? 0 : got.get(0).getModRevision();
    }

    /**
     * Completes every intent recorded at least {@code grace} ago (younger ones are most likely being completed
     * by the finish that wrote them), except those this replica is completing right now. Safe to run on any
     * number of replicas at once: a finish still being passed on elsewhere is merely passed on twice.
     *
     * @return how many intents were completed
     */
    int recover(Duration grace) {
        int done = 0;
        Instant now = clock.instant();
        for (KeyValue intentKey : ranges.all(keys.intents(), 0, false)) {
            Optional<Keys.NodeRef> ref = keys.parseIntent(Keys.text(intentKey.getKey()));
            if (ref.isEmpty() || inFlight.contains(ref.get())) {
                continue;
            }
            try {
                EtcdCodec.StoredIntent intent = codec.intent(intentKey.getValue());
                if (intent.createdAt() != null && intent.createdAt().plus(grace).isAfter(now)) {
                    continue;
                }
                if (recover(ref.get())) {
                    done++;
                }
            } catch (RuntimeException e) {
                log.warn("could not complete the pending finish of {}/{}: {}", ref.get().runId(), ref.get().name(),
                        e.toString());
            }
        }
        return done;
    }

    /** Completes the intent of one finished node, judged from the node as stored. */
    private boolean recover(Keys.NodeRef ref) {
        Optional<RunShape> shape = shapes.find(ref.runId());
        if (shape.isEmpty() || !shape.get().topology().contains(ref.name())) {
            log.warn("intent of {}/{} names no visible node; left alone", ref.runId(), ref.name());
            return false;
        }
        NodeFacts facts = reader.read(ref.runId(), ref.name());
        Node finished = facts.node();
        Optional<Propagation> p = Transitions.propagation(shape.get().topology(), finished);
        if (p.isEmpty()) {
            log.warn("intent of {}/{} but the node ({}) passes nothing on; deleting it", ref.runId(), ref.name(),
                    finished.status());
            calls.await(kv.delete(Keys.bytes(keys.intent(ref.runId(), ref.name()))), "deleting an intent");
            return false;
        }
        log.info("completing the pending finish of {}/{} ({})", ref.runId(), ref.name(), p.get().kind());
        complete(shape.get(), p.get(), facts.nodeRevision());
        return true;
    }

    /**
     * Adds the operations that store {@code next} (which was {@code before}) to {@code ops}: the node key; when the
     * state changes the old state key deleted and the new one put (and when it leaves COMPLETED — a retry brought it
     * back — the intent of what it was passing on, which is not wanted any more); when what is due for it changes
     * ({@link io.adagio.engine.Timers#dueAt}), its old timer key deleted and its new one put; when whether it is
     * cancelled or failed for good changes, its verdict key ({@link Keys#verdicts}) put or deleted.
     *
     * @return about how many bytes they send
     */
    static long writes(Keys keys, EtcdCodec codec, String runId, Node before, Node next, long lease, List<Op> ops) {
        int first = ops.size();
        ByteSequence value = codec.node(next);
        ByteSequence nodeKey = Keys.bytes(keys.node(runId, next.name()));
        ops.add(Op.put(nodeKey, value, PutOption.DEFAULT));
        long bytes = nodeKey.size() + value.size();
        NodeStatus was = before.status();
        if (was != next.status()) {
            if (was != NodeStatus.NONE) {
                ByteSequence k = Keys.bytes(keys.state(was, runId, next.name()));
                ops.add(Op.delete(k, DeleteOption.DEFAULT));
                bytes += k.size();
            }
            if (was == NodeStatus.COMPLETED) {
                ops.add(Op.delete(Keys.bytes(keys.intent(runId, next.name())), DeleteOption.DEFAULT));
            }
            if (next.status() != NodeStatus.NONE) {
                ByteSequence k = Keys.bytes(keys.state(next.status(), runId, next.name()));
                ops.add(Op.put(k, ByteSequence.EMPTY,
                        lease == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(lease).build()));
                bytes += k.size();
            }
        }
        java.util.Optional<java.time.Instant> dueBefore = io.adagio.engine.Timers.dueAt(before);
        java.util.Optional<java.time.Instant> dueNext = io.adagio.engine.Timers.dueAt(next);
        if (!dueBefore.equals(dueNext)) {
            if (dueBefore.isPresent()) {
                ops.add(Op.delete(Keys.bytes(keys.timer(dueBefore.get(), runId, next.name())), DeleteOption.DEFAULT));
            }
            if (dueNext.isPresent()) {
                ops.add(Op.put(Keys.bytes(keys.timer(dueNext.get(), runId, next.name())), ByteSequence.EMPTY,
                        PutOption.DEFAULT));
            }
            bytes += 2L * keys.timer(java.time.Instant.EPOCH, runId, next.name()).length();
        }
        bytes += mark(before.cancelled(), next.cancelled(), Keys.bytes(keys.cancelledMark(runId, next.name())), ops);
        bytes += mark(io.adagio.engine.RunVerdict.failedForGood(before), io.adagio.engine.RunVerdict.failedForGood(next),
                Keys.bytes(keys.failedMark(runId, next.name())), ops);
        return bytes + 16L * (ops.size() - first);
    }

    /** Puts or deletes a verdict key ({@link Keys#verdicts}) when what it marks changes; its size when it does. */
    private static long mark(boolean was, boolean is, ByteSequence key, List<Op> ops) {
        if (was == is) {
            return 0;
        }
        ops.add(is ? Op.put(key, ByteSequence.EMPTY, PutOption.DEFAULT) : Op.delete(key, DeleteOption.DEFAULT));
        return key.size();
    }
}
