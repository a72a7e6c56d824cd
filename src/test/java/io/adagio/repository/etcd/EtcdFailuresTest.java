package io.adagio.repository.etcd;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

class EtcdFailuresTest {
    private static StatusRuntimeException grpc(Status.Code code, String message) {
        return Status.fromCode(code).withDescription(message).asRuntimeException();
    }

    @Test
    void requestsEtcdCanNeverAcceptArePermanent() {
        assertThat(EtcdFailures.classify(grpc(Status.Code.RESOURCE_EXHAUSTED,
                "gRPC message exceeds maximum size 2097152: 3145800"))).isEqualTo(EtcdFailures.Kind.PERMANENT);
        assertThat(EtcdFailures.classify(grpc(Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large")))
                .isEqualTo(EtcdFailures.Kind.PERMANENT);
        assertThat(EtcdFailures.classify(grpc(Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request")))
                .isEqualTo(EtcdFailures.Kind.PERMANENT);
        assertThat(EtcdFailures.classify(new CompletionException(grpc(Status.Code.RESOURCE_EXHAUSTED,
                "etcdserver: mvcc: database space exceeded")))).isEqualTo(EtcdFailures.Kind.PERMANENT);
    }

    @Test
    void aRequestThatMayHaveBeenAppliedIsAmbiguous() {
        assertThat(EtcdFailures.classify(new TimeoutException())).isEqualTo(EtcdFailures.Kind.AMBIGUOUS);
        assertThat(EtcdFailures.classify(grpc(Status.Code.DEADLINE_EXCEEDED, "deadline exceeded")))
                .isEqualTo(EtcdFailures.Kind.AMBIGUOUS);
        assertThat(EtcdFailures.classify(grpc(Status.Code.UNAVAILABLE, "connection reset by peer")))
                .isEqualTo(EtcdFailures.Kind.AMBIGUOUS);
        // gRPC's "io exception" may come after the request was sent: only the cause tells
        assertThat(EtcdFailures.classify(new StatusRuntimeException(Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new java.io.IOException("Connection reset by peer"))))).isEqualTo(EtcdFailures.Kind.AMBIGUOUS);
    }

    @Test
    void aRequestThatNeverReachedEtcdIsSafeToRedo() {
        assertThat(EtcdFailures.classify(grpc(Status.Code.UNAVAILABLE, "io exception: Connection refused")))
                .isEqualTo(EtcdFailures.Kind.SAFE_TO_REDO);
        assertThat(EtcdFailures.classify(new StatusRuntimeException(Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new java.net.ConnectException("Connection refused"))))).isEqualTo(EtcdFailures.Kind.SAFE_TO_REDO);
    }

    @Test
    void aMissingLeaseAndACompactedRevisionAreRecognised() {
        assertThat(EtcdFailures.isLeaseNotFound(new CompletionException(grpc(Status.Code.NOT_FOUND,
                "etcdserver: requested lease not found")))).isTrue();
        assertThat(EtcdFailures.isLeaseNotFound(grpc(Status.Code.NOT_FOUND, "etcdserver: key not found"))).isFalse();
        assertThat(EtcdFailures.isCompacted(grpc(Status.Code.OUT_OF_RANGE,
                "etcdserver: mvcc: required revision has been compacted"))).isTrue();
        assertThat(EtcdFailures.isCompacted(new TimeoutException())).isFalse();
    }
}
