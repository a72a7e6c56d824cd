package io.adagio.repository.etcd;

import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;

import java.util.ArrayList;
import java.util.List;

/**
 * The signal keys ({@code signals/<run>/node/<name>}, one per node whose holder is told to stop): a read of them
 * for a transaction, and the claims of one agent among them.
 */
final class EtcdSignals {
    private final Keys keys;
    private final EtcdCodec codec;
    private final GuardedTxns txns;

    EtcdSignals(Keys keys, EtcdCodec codec, GuardedTxns txns) {
        this.keys = keys;
        this.codec = codec;
        this.txns = txns;
    }

    /** A read of every signal key (at most {@value #SIGNALS_READ}), for a transaction. */
    Op read() {
        return Op.get(Keys.bytes(keys.signals()), GetOption.builder().withRange(Keys.prefixEnd(keys.signals()))
                .withLimit(SIGNALS_READ).build());
    }

    /** The most signal keys one read looks at (cancels in flight: normally none or a few). */
    private static final int SIGNALS_READ = 1000;

    /** The claims of {@code agentId} among these signal keys. */
    List<io.adagio.repository.CancelledClaim> cancelledIn(List<io.etcd.jetcd.KeyValue> signals, String agentId) {
        List<io.adagio.repository.CancelledClaim> out = new ArrayList<>();
        for (io.etcd.jetcd.KeyValue kv : signals) {
            EtcdCodec.Signal s = codec.signal(kv.getValue());
            if (agentId.equals(s.agentId()) && s.claimId() != null) {
                keys.parseSignal(Keys.text(kv.getKey())).ifPresent(ref ->
                        out.add(new io.adagio.repository.CancelledClaim(ref.runId(), ref.name(), s.claimId())));
            }
        }
        return out;
    }

    /** See {@link io.adagio.repository.Repository#cancelledFor}: one read of the signal keys. */
    List<io.adagio.repository.CancelledClaim> cancelledFor(String agentId) {
        TxnResponse r = txns.apply(List.of(), List.of(read()), "reading the signals for " + agentId).orElseThrow();
        return cancelledIn(r.getGetResponses().get(0).getKvs(), agentId);
    }
}
