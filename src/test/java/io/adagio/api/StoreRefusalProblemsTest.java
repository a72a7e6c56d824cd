package io.adagio.api;

import io.adagio.repository.BackendRefusedException;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the store refuses for what it is becomes a problem that says so — never a 503 with {@code retryable: true}
 * and {@code Retry-After}, which would have clients repeat it forever ({@code EtcdRefusalIT} shows etcd's refusal
 * arriving as {@link BackendRefusedException}).
 */
class StoreRefusalProblemsTest {
    private final ProblemHandler handler = new ProblemHandler();

    private static ProblemDetail body(ResponseEntity<Object> r) {
        return (ProblemDetail) r.getBody();
    }

    @Test
    void tooLargeIs413NotRetryable() {
        ResponseEntity<Object> r = handler.refused(new BackendRefusedException(BackendRefusedException.Reason.TOO_LARGE,
                "etcdserver: request is too large", null));
        assertThat(r.getStatusCode().value()).isEqualTo(413);
        assertThat(body(r).getType().toString()).endsWith("/payload-too-large");
        assertThat(body(r).getProperties()).containsEntry("retryable", false);
        assertThat(r.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNull();
    }

    @Test
    void aFullStoreIs507NotRetryable() {
        ResponseEntity<Object> r = handler.refused(new BackendRefusedException(BackendRefusedException.Reason.NO_SPACE,
                "etcdserver: mvcc: database space exceeded", null));
        assertThat(r.getStatusCode().value()).isEqualTo(507);
        assertThat(body(r).getType().toString()).endsWith("/backend-full");
        assertThat(body(r).getProperties()).containsEntry("retryable", false);
        assertThat(r.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNull();
    }

    @Test
    void anyOtherRefusalIsOurBugA500() {
        ResponseEntity<Object> r = handler.refused(new BackendRefusedException(BackendRefusedException.Reason.OTHER,
                "etcdserver: too many operations in txn request", null));
        assertThat(r.getStatusCode().value()).isEqualTo(500);
        assertThat(body(r).getType().toString()).endsWith("/internal-error");
    }
}
