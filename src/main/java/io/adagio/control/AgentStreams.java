package io.adagio.control;

import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.EventType;
import io.adagio.repository.Cursor;
import io.adagio.repository.EventFilter;
import io.adagio.repository.EventSink;
import io.adagio.repository.Repository;
import io.adagio.repository.Subscription;
import io.adagio.repository.LeaseNotFoundException;
import io.adagio.repository.RepositoryException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The open agent event streams of this replica, whatever carries them. Two jobs on two executors, so that
 * writing to streams never delays a lease: keep-alives (a comment on every open stream, so a dead client is
 * noticed by a failed write) on one; renewing the leases of agents with an open stream on the other. Completes
 * every stream when the service shuts down (so shutdown is not held up by long-lived connections) and the
 * streams of an agent that unregisters.
 */
public final class AgentStreams implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(AgentStreams.class);

    /** One open stream, as the transport that carries it sees it. */
    public interface Stream {
        /** The agent whose events it carries. */
        String agentId();

        /** Writes a keep-alive; answers whether the stream is still open (the write did not fail). */
        boolean ping();

        /** Whether the stream is still open, as last seen. */
        boolean isOpen();

        /** Ends the stream from the server's side. */
        void complete();
    }

    private final Repository repository;
    private final Agents agents;
    private final Map<String, Set<Stream>> byAgent = new ConcurrentHashMap<>();
    private final Map<String, Agent> registered = new ConcurrentHashMap<>();
    private final long pingMs;
    private final long renewMs;
    private ScheduledExecutorService keepAlives;
    private ScheduledExecutorService renewals;
    private volatile boolean accepting;

    /**
     * @param keepAlive how often each open stream gets a keep-alive comment
     */
    public AgentStreams(Repository repository, Agents agents, Duration keepAlive, MeterRegistry registry) {
        this.repository = repository;
        this.agents = agents;
        // an open stream renews its agent's lease; a dead client is noticed (a write fails) within two
        // keep-alives, and its lease then ends within about TTL + TTL/3
        this.renewMs = Math.max(100, agents.ttl().toMillis() / 6);
        this.pingMs = Math.max(100, Math.min(renewMs, keepAlive.toMillis()));
        agents.onUnregister(this::closeAll);
        Gauge.builder("adagio.sse.streams", this, AgentStreams::openCount).description("Open agent event streams")
                .register(registry);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** False once shutdown began: new streams are refused so clients go to another replica. */
    public boolean accepting() {
        return accepting;
    }

    /**
     * A stream of {@code agent} opened: it gets the events of the agent's runtimes of the wanted types, the
     * current set first or (with a cursor) the events after it.
     */
    public <S extends Stream & EventSink> Subscription open(Agent agent, Set<EventType> types, Cursor after, S stream) {
        if (!accepting) {
            stream.complete();
        }
        add(agent, stream);
        Set<String> offered = agent.runtimes().stream().map(AgentRuntime::name).collect(Collectors.toSet());
        return repository.subscribe(new EventFilter(types, offered), after, stream);
    }

    private void add(Agent agent, Stream stream) {
        registered.put(agent.id(), agent);
        byAgent.computeIfAbsent(agent.id(), k -> ConcurrentHashMap.newKeySet()).add(stream);
    }

    /** A stream closed. */
    public void remove(Stream stream) {
        byAgent.computeIfPresent(stream.agentId(), (k, set) -> {
            set.remove(stream);
            return set.isEmpty() ? null : set;
        });
    }

    /** Completes every stream of an agent (it unregistered). */
    public void closeAll(String agentId) {
        Set<Stream> set = byAgent.remove(agentId);
        registered.remove(agentId);
        if (set != null) {
            set.forEach(Stream::complete);
        }
    }

    public int openCount() {
        return byAgent.values().stream().mapToInt(Set::size).sum();
    }

    private void pingAll() {
        for (Set<Stream> streams : byAgent.values()) {
            for (Stream s : List.copyOf(streams)) {
                try {
                    s.ping();
                } catch (RuntimeException e) {
                    log.debug("keep-alive of a stream of {} failed: {}", s.agentId(), e.toString());
                }
            }
        }
    }

    private void renewLeases() {
        for (Map.Entry<String, Set<Stream>> entry : byAgent.entrySet()) {
            String agentId = entry.getKey();
            if (entry.getValue().stream().noneMatch(Stream::isOpen)) {
                continue;
            }
            try {
                agents.heartbeat(agentId);
            } catch (LeaseNotFoundException e) {
                Agent agent = registered.get(agentId);
                if (agent != null && byAgent.containsKey(agentId)) {
                    log.warn("lease of agent {} was lost while its stream is open; registering it again", agentId);
                    renewQuietly(agent);
                }
            } catch (RuntimeException e) {
                log.warn("could not renew the lease of agent {}: {}", agentId, e.getMessage());
            }
        }
    }

    private void renewQuietly(Agent agent) {
        try {
            agents.register(agent);
        } catch (RepositoryException e) {
            log.warn("could not register agent {} again: {}", agent.id(), e.getMessage());
        }
    }

    /** Starts (again, after a {@link #stop}) sending keep-alives and renewing leases, and accepting streams. */
    @Override
    public synchronized void start() {
        if (accepting) {
            return;
        }
        keepAlives = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "adagio-sse-keepalive"));
        renewals = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "adagio-stream-leases"));
        keepAlives.scheduleWithFixedDelay(this::pingAll, pingMs, pingMs, TimeUnit.MILLISECONDS);
        renewals.scheduleWithFixedDelay(this::renewLeases, renewMs, renewMs, TimeUnit.MILLISECONDS);
        accepting = true;
    }

    @Override
    public boolean isRunning() {
        return accepting;
    }

    /** Stops just after the agent pool and before the web server, so its graceful shutdown is not held up. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 1;
    }

    @Override
    public synchronized void stop() {
        if (!accepting) {
            return;
        }
        accepting = false;
        keepAlives.shutdownNow();
        renewals.shutdownNow();
        int n = openCount();
        for (String agentId : List.copyOf(byAgent.keySet())) {
            Set<Stream> set = byAgent.remove(agentId);
            if (set != null) {
                set.forEach(Stream::complete);
            }
        }
        if (n > 0) {
            log.info("completed {} open agent streams for shutdown", n);
        }
    }
}
