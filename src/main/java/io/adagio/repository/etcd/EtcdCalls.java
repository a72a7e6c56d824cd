package io.adagio.repository.etcd;

import io.adagio.repository.BackendRefusedException;
import io.adagio.repository.BackendUnavailableException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for jetcd futures with a deadline and turns transport failures into
 * {@link BackendUnavailableException}, so no call blocks without bound. A request etcd refused because its
 * lease is gone is a {@link LeaseGone} instead ({@link EtcdFailures} says which is which).
 */
final class EtcdCalls {
    private final Duration timeout;
    private volatile EtcdObserver observer = EtcdObserver.NONE;

    EtcdCalls(Duration timeout) {
        this.timeout = timeout;
    }

    void observe(EtcdObserver o) {
        this.observer = o == null ? EtcdObserver.NONE : o;
    }

    Duration timeout() {
        return timeout;
    }

    /**
     * The futures' values in order, each waited for as {@link #await} does; when one fails, the others are
     * cancelled and its failure is thrown.
     */
    <T> java.util.List<T> awaitAll(java.util.List<CompletableFuture<T>> futures, String what) {
        java.util.List<T> out = new java.util.ArrayList<>(futures.size());
        try {
            for (CompletableFuture<T> f : futures) {
                out.add(await(f, what));
            }
        } catch (RuntimeException e) {
            futures.forEach(f -> f.cancel(true));
            throw e;
        }
        return out;
    }

    /**
     * The future's value, waited for at most the deadline.
     *
     * @throws BackendUnavailableException on timeout, interruption or any etcd failure but a missing lease
     * @throws LeaseGone                   when etcd refused the request because its lease does not exist
     */
    <T> T await(CompletableFuture<T> future, String what) {
        long t0 = System.nanoTime();
        boolean ok = false;
        String kind = "other";
        try {
            T value = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            ok = true;
            if (value instanceof TxnResponse txn) {
                kind = "txn";
                if (!txn.isSucceeded()) {
                    observer.conflict();
                }
            } else if (value instanceof GetResponse) {
                kind = "get";
            }
            return value;
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new BackendUnavailableException("etcd did not answer " + what + " within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new BackendUnavailableException("interrupted while waiting for etcd (" + what + ")", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (EtcdFailures.isLeaseNotFound(cause)) {
                throw new LeaseGone(cause);
            }
            if (EtcdFailures.classify(cause) == EtcdFailures.Kind.PERMANENT) {
                throw new BackendRefusedException(EtcdFailures.refusal(cause),
                        "etcd refused " + what + ": " + cause.getMessage(), cause);
            }
            String message = "etcd failed " + what + ": " + cause.getMessage();
            throw EtcdFailures.classify(cause) == EtcdFailures.Kind.SAFE_TO_REDO
                    ? BackendUnavailableException.notApplied(message, cause)
                    : new BackendUnavailableException(message, cause);
        } finally {
            observer.call(kind, System.nanoTime() - t0, ok);
        }
    }
}
