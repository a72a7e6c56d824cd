package io.adagio.repository.etcd;

import io.adagio.repository.BackendUnavailableException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for jetcd futures with a deadline and turns transport failures into
 * {@link BackendUnavailableException}, so no call blocks without bound. A failure etcd answered on purpose
 * (such as "lease not found") is recognisable with {@link #isLeaseNotFound}.
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
     * The future's value, waited for at most the deadline.
     *
     * @throws BackendUnavailableException on timeout, interruption or any etcd failure
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
            throw new BackendUnavailableException("etcd failed " + what + ": " + cause.getMessage(), cause);
        } finally {
            observer.call(kind, System.nanoTime() - t0, ok);
        }
    }

    /** A short random pause before retrying a conflicted transaction, growing with the attempts (at most 50 ms). */
    static void pause(int attempt) {
        long maxMicros = Math.min(50_000, 500L << Math.min(attempt, 6));
        java.util.concurrent.locks.LockSupport.parkNanos(
                java.util.concurrent.ThreadLocalRandom.current().nextLong(maxMicros) * 1_000);
    }

    /** Whether etcd rejected a request because the lease it named does not exist (expired or revoked). */
    static boolean isLeaseNotFound(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String msg = String.valueOf(c.getMessage());
            if (c instanceof EtcdException ee && ee.getErrorCode() == ErrorCode.NOT_FOUND && msg.contains("lease")) {
                return true;
            }
            if (c instanceof StatusRuntimeException se && se.getStatus().getCode() == Status.Code.NOT_FOUND
                    && msg.contains("lease")) {
                return true;
            }
            if (msg.contains("requested lease not found")) {
                return true;
            }
        }
        return false;
    }
}
