package io.adagio.repository.etcd;

/** Told about every etcd call an {@link EtcdRepository} makes, for metrics. Called on the caller's thread; must be cheap. */
public interface EtcdObserver {
    /** Observes nothing. */
    EtcdObserver NONE = new EtcdObserver() {
        @Override
        public void call(String kind, long nanos, boolean ok) {
        }

        @Override
        public void conflict() {
        }
    };

    /**
     * A call ended.
     *
     * @param kind  {@code txn}, {@code get} or {@code other}
     * @param nanos how long it took
     * @param ok    false when it failed or timed out
     */
    void call(String kind, long nanos, boolean ok);

    /** A transaction's compares failed: what it read had changed, and it will be re-read and retried. */
    void conflict();
}
