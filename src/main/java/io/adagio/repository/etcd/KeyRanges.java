package io.adagio.repository.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;

import java.util.ArrayList;
import java.util.List;

/**
 * Prefix reads at one revision: whole prefixes read page by page (so no response grows past gRPC's message
 * limit), counts, and the store's current revision.
 */
final class KeyRanges {
    private static final int PAGE = 2_000;

    private final KV kv;
    private final EtcdCalls calls;

    KeyRanges(KV kv, EtcdCalls calls) {
        this.kv = kv;
        this.calls = calls;
    }

    /** The store's revision now. */
    long currentRevision(String anyKey) {
        return calls.await(kv.get(Keys.bytes(anyKey), GetOption.builder().withCountOnly(true).build()),
                "reading the revision").getHeader().getRevision();
    }

    /**
     * How many keys start with each prefix, all at one revision ({@code revision}, or 0: now), in one read-only
     * transaction: one round trip (and one linearizable read) instead of one per prefix and one for the revision.
     */
    long[] counts(List<String> prefixes, long revision) {
        io.etcd.jetcd.op.Op[] gets = new io.etcd.jetcd.op.Op[prefixes.size()];
        for (int i = 0; i < gets.length; i++) {
            GetOption.Builder o = GetOption.builder().withRange(Keys.prefixEnd(prefixes.get(i))).withCountOnly(true);
            if (revision > 0) {
                o.withRevision(revision);
            }
            gets[i] = io.etcd.jetcd.op.Op.get(Keys.bytes(prefixes.get(i)), o.build());
        }
        List<GetResponse> answers = calls.await(kv.txn().Then(gets).commit(), "counting keys").getGetResponses();
        long[] out = new long[gets.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = answers.get(i).getCount();
        }
        return out;
    }

    /**
     * Visits the keys (without values) starting with {@code prefix}, in key order, page by page, until the
     * visitor answers false or the keys end.
     */
    void visitKeys(String prefix, int pageSize, java.util.function.Predicate<KeyValue> visitor) {
        ByteSequence from = Keys.bytes(prefix);
        ByteSequence end = Keys.prefixEnd(prefix);
        while (true) {
            GetResponse r = calls.await(kv.get(from, GetOption.builder().withRange(end).withKeysOnly(true)
                    .withLimit(pageSize).build()), "reading " + prefix);
            for (KeyValue k : r.getKvs()) {
                if (!visitor.test(k)) {
                    return;
                }
            }
            if (!r.isMore() || r.getKvs().isEmpty()) {
                return;
            }
            from = Keys.after(r.getKvs().get(r.getKvs().size() - 1).getKey());
        }
    }

    /** Told the prefix of every scan ({@link #all}); a test hook to show what a step reads. */
    private volatile java.util.function.Consumer<String> onScan = prefix -> { };

    void onScan(java.util.function.Consumer<String> hook) {
        this.onScan = hook;
    }

    /** Every key (with its value unless {@code keysOnly}) starting with {@code prefix}, at {@code revision}. */
    List<KeyValue> all(String prefix, long revision, boolean keysOnly) {
        onScan.accept(prefix);
        List<KeyValue> out = new ArrayList<>();
        ByteSequence from = Keys.bytes(prefix);
        ByteSequence end = Keys.prefixEnd(prefix);
        while (true) {
            GetResponse r = calls.await(kv.get(from, GetOption.builder().withRange(end).withRevision(revision)
                    .withKeysOnly(keysOnly).withLimit(PAGE).build()), "reading " + prefix);
            out.addAll(r.getKvs());
            if (!r.isMore() || r.getKvs().isEmpty()) {
                return out;
            }
            from = Keys.after(r.getKvs().get(r.getKvs().size() - 1).getKey());
        }
    }
}
