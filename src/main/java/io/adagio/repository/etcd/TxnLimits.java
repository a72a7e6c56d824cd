package io.adagio.repository.etcd;

/**
 * What one etcd request may carry, as the etcd it talks to is configured ({@code --max-txn-ops},
 * {@code --max-request-bytes}), and the batch sizes that follow from it. Transactions count their compares and
 * operations together against {@code maxTxnOps} (etcd counts each list on its own: this leaves headroom), and
 * fill at most two thirds of {@code maxRequestBytes} with keys and values (the rest is encoding and headroom).
 *
 * @param maxTxnOps       etcd's {@code --max-txn-ops} (default 128)
 * @param maxRequestBytes etcd's {@code --max-request-bytes} (default 1.5 MiB)
 */
public record TxnLimits(int maxTxnOps, long maxRequestBytes) {
    /** etcd's own defaults. */
    public static final TxnLimits DEFAULT = new TxnLimits(128, 1_572_864);
    /**
     * Per changed node, at most: 5 compares (node key and the four state keys: a node with no state key; 2 when it
     * has one, {@link NodeFacts#guards}) and up to 3 operations.
     */
    static final int OPS_PER_NODE = 8;

    public TxnLimits {
        if (maxTxnOps < 2 * OPS_PER_NODE) {
            throw new IllegalArgumentException("adagio.etcd.max-txn-ops must be at least " + 2 * OPS_PER_NODE);
        }
        if (maxRequestBytes < 64 * 1024) {
            throw new IllegalArgumentException("adagio.etcd.max-request-bytes must be at least 64KB");
        }
    }

    /** Bytes of keys and values one transaction may carry. */
    int bytes() {
        return (int) Math.min(Integer.MAX_VALUE, maxRequestBytes * 2 / 3);
    }

    /** Nodes one transaction may change (guarded by their keys): a batch of a propagation or of a claim. */
    int nodesPerTxn() {
        return maxTxnOps / OPS_PER_NODE;
    }

    /**
     * The most children a finish changes in its own transaction (with the finished node, one transaction's
     * nodes); more, and it passes its output on in steps. Also the most children read ahead for such a finish.
     */
    int childrenPerFinish() {
        return nodesPerTxn() - 1;
    }

    /** Operations a start's batch may hold (puts only, unguarded). */
    int startOps() {
        return maxTxnOps - 8;
    }
}
