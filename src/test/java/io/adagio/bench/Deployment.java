package io.adagio.bench;

import io.adagio.support.Http;
import io.adagio.support.ServiceProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The processes one repetition measures. Topology {@code all}: the service in {@code adagio.mode=all} (the API
 * and the agent pool in one JVM, the pool calling the API in process). Topology {@code split}: the service in
 * {@code adagio.mode=api} plus a second JVM in {@code adagio.mode=agent} whose pool reaches it over HTTP and SSE.
 */
final class Deployment {
    static final List<String> TOPOLOGIES = List.of("all", "split");

    final String topology;
    final String tag;
    private final ServiceProcess service;
    private final ServiceProcess agent;
    private final Http http;
    private final Http agentHttp;
    /** Unary etcd calls one {@code GET /v0/stats} costs, by gRPC method (etcd only; measured after the warm-up). */
    Map<String, Double> etcdCallsPerStats = Map.of();
    /** On etcd, the prefix of the deployment's completed state keys up to a run id; null on memory. */
    String etcdCompletedPrefix;
    /** The service process's CPU µs per {@code GET /v0/stats} (measured after the warm-up). */
    double serviceCpuUsPerStats;

    Deployment(String topology, String tag, ServiceProcess service, ServiceProcess agent) {
        this.topology = topology;
        this.tag = tag;
        this.service = service;
        this.agent = agent;
        this.http = service.http();
        this.agentHttp = agent == null ? null : agent.http();
    }

    /** The API (the service process). */
    Http http() {
        return http;
    }

    /** The agent process's own port (its actuator), or null in topology {@code all}. */
    Http agentHttp() {
        return agentHttp;
    }

    /** The service process's (in split the api process's) pid. */
    long servicePid() {
        return service.process().pid();
    }

    long[] cpuTicks() {
        return new long[]{Benchmark.cpuTicks(service.process().pid()),
                agent == null ? 0 : Benchmark.cpuTicks(agent.process().pid())};
    }

    /**
     * Every live thread's CPU so far ({@link ThreadCpu#take}): {service, agent process (empty when there is none)}.
     */
    List<Map<Long, ThreadCpu.Task>> threads() {
        return List.of(ThreadCpu.take(service.process().pid()),
                agent == null ? Map.of() : ThreadCpu.take(agent.process().pid()));
    }

    /** Stops the agent process, then the service (SIGTERM, so JFR files are written), keeping their logs in dir. */
    void stop(Path dir) {
        if (agent != null) {
            stop(agent, dir.resolve("agent-" + tag + ".log"));
        }
        stop(service, dir.resolve("service-" + tag + ".log"));
    }

    static void stop(ServiceProcess p, Path log) {
        p.terminate();
        try {
            p.process().waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, p.output());
        } catch (IOException e) {
            // best effort
        }
        p.close();
    }
}
