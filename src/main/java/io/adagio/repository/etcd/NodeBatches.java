package io.adagio.repository.etcd;

import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.Op;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Changes many nodes of a run in batches, each one transaction guarded by the mod revisions of the nodes it
 * changes, read again and retried when it conflicts: at most {@link TxnLimits#nodesPerTxn} nodes (5 compares and
 * at most 3 operations each, plus what a change adds) and about {@link TxnLimits#bytes} bytes (halved while over).
 * The change is decided per node from what was read, so a batch applied again after a conflict (or after a crash,
 * by any replica) applies only what is still missing: a change must answer nothing for a node that has it.
 */
final class NodeBatches {
    private final Keys keys;
    private final NodeReader reader;
    private final GuardedTxns txns;
    private final TxnLimits limits;

    /** How a node read is changed. */
    interface Change {
        /**
         * Adds the operations that change the node as read to {@code ops}, none when it has what the change
         * gives.
         *
         * @return about how many bytes they send
         */
        long write(NodeFacts facts, List<Op> ops);
    }

    NodeBatches(Keys keys, NodeReader reader, GuardedTxns txns, TxnLimits limits) {
        this.keys = keys;
        this.reader = reader;
        this.txns = txns;
        this.limits = limits;
    }

    /** The most nodes one batch changes. */
    int perBatch() {
        return limits.nodesPerTxn();
    }

    /**
     * Applies the change to the named nodes (at most {@link #perBatch}) in one transaction, or two halves when it
     * sends too many bytes or operations; read again and retried on a conflict.
     *
     * @throws io.adagio.repository.BackendUnavailableException when it kept conflicting or etcd cannot be reached
     */
    void apply(String runId, List<String> names, Change change, String what) {
        apply(runId, names, change, what, Guard.NONE);
    }

    /**
     * A condition every batch of a change also holds to, beside its nodes: compares added to each transaction, and
     * whether the change is still wanted when one fails (else it stops: what it was for has been replaced).
     */
    record Guard(List<Cmp> compares, java.util.function.BooleanSupplier wanted) {
        static final Guard NONE = new Guard(List.of(), () -> true);
    }

    /**
     * {@link #apply(String, List, Change, String)} under a guard.
     *
     * @return false when it stopped because the guard's change is no longer wanted
     */
    boolean apply(String runId, List<String> names, Change change, String what, Guard guard) {
        return txns.retry(what, attempt -> {
            Map<String, NodeFacts> facts = reader.read(runId, names);
            List<Cmp> guards = new ArrayList<>(guard.compares());
            List<Op> ops = new ArrayList<>();
            long bytes = 0;
            for (NodeFacts f : facts.values()) {
                int before = ops.size();
                long size = change.write(f, ops);
                if (ops.size() == before) {
                    continue;
                }
                guards.addAll(f.guards(keys));
                bytes += size + 5L * (keys.node(runId, f.node().name()).length() + 24);
            }
            if (ops.isEmpty()) {
                return Optional.of(true);
            }
            boolean tooMany = ops.size() > limits.maxTxnOps() || guards.size() > limits.maxTxnOps();
            if ((bytes > limits.bytes() || tooMany) && names.size() > 1) {
                int half = names.size() / 2;
                return Optional.of(apply(runId, names.subList(0, half), change, what, guard)
                        && apply(runId, names.subList(half, names.size()), change, what, guard));
            }
            try {
                if (txns.commit(guards, ops, what)) {
                    return Optional.of(true);
                }
            } catch (LeaseGone e) {
                // a key put on a lease that just ended: read again (its node is orphaned)
            }
            return guard.wanted().getAsBoolean() ? Optional.<Boolean>empty() : Optional.of(false);
        });
    }

    /** Applies the change to every named node, batch after batch; {@code afterBatch} is told each batch's number. */
    void applyAll(String runId, List<String> names, Change change, String what, java.util.function.IntConsumer afterBatch) {
        applyAll(runId, names, change, what, afterBatch, Guard.NONE);
    }

    /**
     * {@link #applyAll(String, List, Change, String, java.util.function.IntConsumer)} under a guard.
     *
     * @return false when it stopped because the guard's change is no longer wanted
     */
    boolean applyAll(String runId, List<String> names, Change change, String what,
                     java.util.function.IntConsumer afterBatch, Guard guard) {
        int batches = 0;
        for (int from = 0; from < names.size(); from += perBatch()) {
            if (!apply(runId, names.subList(from, Math.min(names.size(), from + perBatch())), change, what, guard)) {
                return false;
            }
            afterBatch.accept(++batches);
        }
        return true;
    }
}
