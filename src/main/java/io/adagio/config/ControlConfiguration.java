package io.adagio.config;

import io.adagio.control.AgentStreams;
import io.adagio.control.BatchFinishes;
import io.adagio.control.Agents;
import io.adagio.control.ControlMetrics;
import io.adagio.control.LocalControlPlane;
import io.adagio.control.Nodes;
import io.adagio.control.ReadyClaims;
import io.adagio.control.Retention;
import io.adagio.control.Runs;
import io.adagio.engine.GraphValidator;
import io.adagio.engine.RunFactory;
import io.adagio.repository.Repository;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Clock;

/** The application layer of a process that serves the API: what the controllers (and in-process agents) call. */
@Configuration(proxyBeanMethods = false)
@ServesApi
class ControlConfiguration {
    @Bean
    ControlMetrics controlMetrics(MeterRegistry registry, Repository repository) {
        return new ControlMetrics(registry, repository);
    }

    @Bean
    Runs runs(Repository repository, GraphValidator validator, RunFactory factory, ControlMetrics metrics,
              LimitsProperties limits) {
        return new Runs(repository, validator, factory, metrics, limits.limits());
    }

    @Bean
    Agents agents(Repository repository, LeaseProperties leases, Clock clock) {
        return new Agents(repository, leases.ttl(), clock);
    }

    @Bean
    io.adagio.control.Observers observers(Repository repository) {
        return new io.adagio.control.Observers(repository);
    }

    @Bean
    Nodes nodes(Repository repository, ControlMetrics metrics, LimitsProperties limits) {
        return new Nodes(repository, metrics, limits.limits());
    }

    @Bean(destroyMethod = "close")
    ReadyClaims readyClaims(Repository repository, Agents agents, ControlMetrics metrics, MeterRegistry registry) {
        return new ReadyClaims(repository, agents, metrics, registry);
    }

    @Bean
    BatchFinishes batchFinishes(Agents agents, Nodes nodes, ReadyClaims claims) {
        return new BatchFinishes(agents, nodes, claims);
    }

    @Bean
    LocalControlPlane localControlPlane(Agents agents, Nodes nodes, AgentStreams streams, ReadyClaims readyClaims,
                                        BatchFinishes batchFinishes) {
        return new LocalControlPlane(agents, nodes, streams, readyClaims, batchFinishes);
    }

    /** Deletes finished runs after {@code adagio.retention.finished}; none when it is not set. */
    @Bean(destroyMethod = "shutdownNow")
    java.util.concurrent.ScheduledExecutorService retentionSweeps(Repository repository, RetentionProperties retention,
                                                                 Clock clock) {
        java.util.concurrent.ScheduledExecutorService sweeps = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "adagio-retention");
            t.setDaemon(true);
            return t;
        });
        if (retention.finished() != null) {
            Retention sweeper = new Retention(repository, retention.finished(), clock);
            long every = Math.max(1, retention.interval().toMillis());
            sweeps.scheduleWithFixedDelay(() -> {
                try {
                    sweeper.sweep();
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger(Retention.class).warn("retention sweep failed: {}", e.toString());
                }
            }, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        return sweeps;
    }

    @Bean
    AgentStreams agentStreams(Repository repository, Agents agents, SseProperties sse, MeterRegistry registry) {
        return new AgentStreams(repository, agents, sse.heartbeat(), sse.writeTimeout(), sse.maxStreamsPerAgent(),
                sse.maxStreamsPerToken(), registry);
    }
}
