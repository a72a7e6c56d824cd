package io.adagio.config;

import io.adagio.repository.etcd.EtcdObserver;
import io.adagio.repository.etcd.EtcdOptions;
import io.adagio.repository.etcd.TxnLimits;
import io.adagio.repository.etcd.EtcdRepository;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code adagio.backend=etcd}: state lives in an etcd cluster shared by every replica. etcd's health is part
 * of readiness (a replica that cannot reach etcd takes no traffic) and never of liveness (restarting it would
 * not help).
 */
@Configuration(proxyBeanMethods = false)
@ServesApi
@ConditionalOnProperty(name = "adagio.backend", havingValue = "etcd")
class EtcdBackendConfiguration {
    @Bean(destroyMethod = "close")
    EtcdRepository etcdRepository(EtcdProperties etcd, Clock clock, MeterRegistry registry) {
        EtcdRepository repository = new EtcdRepository(EtcdClients.of(etcd), new EtcdOptions(etcd.endpoints(),
                etcd.namespace(), etcd.list(), etcd.timeout(), 0, null, etcd.history(),
                new TxnLimits(etcd.maxTxnOps(), etcd.maxRequestBytes().toBytes())), clock);
        Counter conflicts = Counter.builder("adagio.etcd.txn.conflicts")
                .description("etcd transactions whose compares failed (re-read and retried)").register(registry);
        repository.observe(new EtcdObserver() {
            // each kind's two timers found once: a registry lookup builds and sorts tags (every etcd call records)
            private final Map<String, Timer[]> timers = new ConcurrentHashMap<>();

            @Override
            public void call(String kind, long nanos, boolean ok) {
                timers.computeIfAbsent(kind, k -> new Timer[] {timer(k, "failed"), timer(k, "ok")})[ok ? 1 : 0]
                        .record(nanos, TimeUnit.NANOSECONDS);
            }

            private Timer timer(String kind, String outcome) {
                return Timer.builder("adagio.etcd.calls").description("etcd call latency").tag("kind", kind)
                        .tag("outcome", outcome).register(registry);
            }

            @Override
            public void conflict() {
                conflicts.increment();
            }
        });
        try {
            EtcdStartupCheck.verify(repository::ping, etcd.endpoints(), etcd.user());
        } catch (RuntimeException e) {
            repository.close();
            throw e;
        }
        return repository;
    }

    @Bean("etcd")
    HealthIndicator etcdHealth(EtcdRepository repository) {
        return () -> {
            try {
                return Health.up().withDetail("revision", repository.ping()).build();
            } catch (RuntimeException e) {
                return Health.down().withDetail("error", String.valueOf(e.getMessage())).build();
            }
        };
    }
}
