package io.adagio.repository.etcd;

/** etcd refused a request because the lease it named no longer exists (expired or revoked). */
final class LeaseGone extends RuntimeException {
    LeaseGone(Throwable cause) {
        super("the lease does not exist", cause, false, false);
    }
}
