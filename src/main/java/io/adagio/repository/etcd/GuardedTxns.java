package io.adagio.repository.etcd;

import io.adagio.repository.BackendUnavailableException;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.Op;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * Optimistic transactions, the one way this backend changes state: read facts, decide, commit guarded by
 * compares that hold while the facts do; on a conflict read again, a bounded number of times with jittered
 * pauses between.
 */
final class GuardedTxns {
    private final KV kv;
    private final EtcdCalls calls;
    private final int maxRetries;

    GuardedTxns(KV kv, EtcdCalls calls, int maxRetries) {
        this.kv = kv;
        this.calls = calls;
        this.maxRetries = maxRetries;
    }

    /** Commits {@code ops} when every guard holds; false when one does not (a conflict). */
    boolean commit(List<Cmp> guards, List<Op> ops, String what) {
        return calls.await(kv.txn().If(guards.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new)).commit(), what)
                .isSucceeded();
    }

    /** Commits {@code ops} when every guard holds, answering the transaction's response; empty on a conflict. */
    Optional<TxnResponse> apply(List<Cmp> guards, List<Op> ops, String what) {
        TxnResponse r = calls.await(kv.txn().If(guards.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new)).commit(), what);
        return r.isSucceeded() ? Optional.of(r) : Optional.empty();
    }

    /**
     * Runs {@code attempt} (given its number, from 0) until it answers: an empty answer is a conflict, retried
     * after a short random pause growing with the attempts, at most {@code maxRetries} times.
     *
     * @throws BackendUnavailableException when every attempt conflicted
     */
    <T> T retry(String what, IntFunction<Optional<T>> attempt) {
        for (int n = 0; n <= maxRetries; n++) {
            Optional<T> answer = attempt.apply(n);
            if (answer.isPresent()) {
                return answer.get();
            }
            pause(n);
        }
        throw new BackendUnavailableException(what + " kept conflicting", null);
    }

    /** A short random pause before retrying a conflicted transaction, growing with the attempts (at most 50 ms). */
    private static void pause(int attempt) {
        long maxMicros = Math.min(50_000, 500L << Math.min(attempt, 6));
        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(maxMicros) * 1_000);
    }
}
