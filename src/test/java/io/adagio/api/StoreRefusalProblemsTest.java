package io.adagio.api;

import io.adagio.repository.BackendRefusedException;
import io.adagio.repository.OutcomeUnknownException;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the store refuses for what it is becomes a problem that says so — never a 503 with {@code retryable: true}
 * and {@code Retry-After}, which would have clients repeat it forever ({@code EtcdRefusalIT} shows etcd's refusal
 * arriving as {@link BackendRefusedException}); nor is a start whose outcome is unknown ({@code EtcdStartIT}), which
 * a repeat could do twice.
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

    @Test
    void aStartOfUnknownOutcomeIs503NotRetryableAndSaysWhereToLook() {
        ResponseEntity<Object> r = handler.unknown(new OutcomeUnknownException("01M8RZX35XYAFXSJJH45YCS9PH",
                "etcd did not answer writing run 01M8RZX35XYAFXSJJH45YCS9PH", null));
        assertThat(r.getStatusCode().value()).isEqualTo(503);
        assertThat(body(r).getType().toString()).endsWith("/outcome-unknown");
        assertThat(body(r).getProperties()).containsEntry("retryable", false)
                .containsEntry("run_id", "01M8RZX35XYAFXSJJH45YCS9PH");
        assertThat(body(r).getDetail()).contains("GET /v0/runs/01M8RZX35XYAFXSJJH45YCS9PH");
        assertThat(r.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).as("nothing to repeat").isNull();
    }

    @Test
    void anUnavailableWriteSaysWhetherItMayHaveHappenedAndAReadDoesNot() {
        org.springframework.mock.web.MockHttpServletRequest post = new org.springframework.mock.web.MockHttpServletRequest("POST", "/v0/agents/a/claims");
        ResponseEntity<Object> lost = handler.unavailable(new io.adagio.repository.BackendUnavailableException(
                "etcd did not answer claiming within 5s", null), post);
        assertThat(lost.getStatusCode().value()).isEqualTo(503);
        assertThat(body(lost).getProperties()).containsEntry("retryable", true).containsEntry("may_have_happened", true);
        assertThat(lost.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
        ResponseEntity<Object> refused = handler.unavailable(io.adagio.repository.BackendUnavailableException.notApplied(
                "etcd refused the connection", null), post);
        assertThat(body(refused).getProperties()).containsEntry("may_have_happened", false);
        ResponseEntity<Object> read = handler.unavailable(new io.adagio.repository.BackendUnavailableException(
                "etcd did not answer reading", null), new org.springframework.mock.web.MockHttpServletRequest("GET", "/v0/runs"));
        assertThat(body(read).getProperties()).containsEntry("retryable", true).doesNotContainKey("may_have_happened");
    }
}
