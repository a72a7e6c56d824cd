package io.adagio.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/** The harness's reading of the Prometheus text format, on lines as etcd 3.4 and Micrometer write them. */
class PrometheusTest {
    private static final String TEXT = """
            # HELP grpc_server_handled_total Total number of RPCs completed on the server, regardless of success or failure.
            # TYPE grpc_server_handled_total counter
            grpc_server_handled_total{grpc_code="OK",grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"} 12
            grpc_server_handled_total{grpc_code="OK",grpc_method="Range",grpc_service="etcdserverpb.KV",grpc_type="unary"} 30
            grpc_server_handled_total{grpc_code="OK",grpc_method="Watch",grpc_service="etcdserverpb.Watch",grpc_type="bidi_stream"} 4
            grpc_server_handled_total_extra{grpc_type="unary"} 1000
            process_cpu_seconds_total 1.25
            http_server_requests_seconds_count{error="none",method="POST",status="200",uri="/v0/agents/{agentId}/finishes"} 7.0
            http_server_requests_seconds_count{error="none",method="GET",status="200",uri="/actuator/prometheus"} 3.0
            """;

    @Test
    void sumsTheSeriesWhoseLabelsMatch() {
        assertThat(Prometheus.sum(TEXT, "grpc_server_handled_total", l -> "unary".equals(l.get("grpc_type")))).isEqualTo(42);
        assertThat(Prometheus.sum(TEXT, "grpc_server_handled_total", l -> true)).isEqualTo(46);
        assertThat(Prometheus.sum(TEXT, "process_cpu_seconds_total", l -> true)).isEqualTo(1.25);
        assertThat(Prometheus.sum(TEXT, "http_server_requests_seconds_count",
                l -> !l.get("uri").startsWith("/actuator"))).isEqualTo(7);
        assertThat(Prometheus.sum(TEXT, "no_such_metric", l -> true)).isZero();
        assertThat(Prometheus.sumBy(TEXT, "grpc_server_handled_total", l -> "unary".equals(l.get("grpc_type")), "grpc_method"))
                .containsExactly(entry("Put", 12.0), entry("Range", 30.0));
    }
}
