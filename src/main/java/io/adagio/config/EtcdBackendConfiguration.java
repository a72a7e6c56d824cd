package io.adagio.config;

import io.adagio.repository.etcd.EtcdOptions;
import io.adagio.repository.etcd.EtcdRepository;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Clock;

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
    EtcdRepository etcdRepository(EtcdProperties etcd, Clock clock) {
        return new EtcdRepository(new EtcdOptions(etcd.endpoints(), etcd.namespace(), etcd.list(), etcd.timeout(),
                0, null, 0), clock);
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
