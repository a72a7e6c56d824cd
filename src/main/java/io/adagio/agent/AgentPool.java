package io.adagio.agent;

import io.adagio.agent.runtime.NodeRuntime;
import io.adagio.config.AgentProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The built-in agent pool: {@code adagio.agent.concurrency} agents, each with its own lease and its own
 * connection to a control plane ({@link ControlPlane}: over HTTP, or in process), each holding up to
 * {@code adagio.agent.slots} nodes at once ({@link PoolAgent}: batch claims, batch finishes with eager dispatch).
 * They share one event stream (followed as the first agent), whose events wake them up, and one set of orphan
 * hints, so an orphaned node costs the pool one claim.
 * Starts last (after the web server, so over HTTP in mode {@code all} it can reach its own API) and stops first
 * (so its finishes still reach the control plane): it stops claiming, lets nodes in hand finish briefly, and
 * unregisters.
 */
public final class AgentPool implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    /** How long the event feed goes without an event before it follows again from the current set. */
    private static final Duration RELIST = Duration.ofSeconds(60);

    private final AgentProperties props;
    private final Map<String, NodeRuntime> runtimes;
    private final Function<String, ControlPlane> connect;
    private final String transport;
    private final List<PoolAgent> agents = new ArrayList<>();
    private ScheduledExecutorService heartbeats;
    private EventFeed feed;
    private volatile boolean running;

    /**
     * @param connect   a connection to the control plane for an agent id (called once per agent at start)
     * @param transport says what {@code connect} connects through, for the log
     */
    public AgentPool(AgentProperties props, List<NodeRuntime> runtimes, Function<String, ControlPlane> connect,
                     String transport) {
        this.props = props;
        this.connect = connect;
        this.transport = transport;
        Map<String, NodeRuntime> offered = new LinkedHashMap<>();
        for (NodeRuntime r : runtimes) {
            offered.put(r.name(), r);
        }
        this.runtimes = offered;
    }

    @Override
    public void start() {
        String prefix = props.idPrefix() == null || props.idPrefix().isBlank() ? defaultPrefix() : props.idPrefix();
        Hints hints = new Hints(Math.max(4, props.concurrency() * 2));
        for (int i = 0; i < props.concurrency(); i++) {
            String id = prefix + "-" + i;
            PoolAgent a = new PoolAgent(id, connect.apply(id), runtimes, hints, props.slots(), props.backoffMin(),
                    props.backoffMax());
            agents.add(a);
            a.start();
        }
        List<PoolAgent> woken = List.copyOf(agents);
        feed = new EventFeed(prefix + "-0", List.copyOf(runtimes.keySet()), connect.apply(prefix + "-0"), hints,
                () -> woken.forEach(PoolAgent::wake), e -> cancel(woken, e), props.backoffMin(), props.backoffMax(), RELIST);
        feed.start();
        AtomicInteger n = new AtomicInteger();
        heartbeats = Executors.newScheduledThreadPool(agents.size(), r -> {
            Thread t = new Thread(r, "adagio-agent-heartbeats-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
        agents.forEach(this::heartbeatLater);
        running = true;
        log.info("agent pool started: {} agents ({}) x {} slots offering {} through {}", agents.size(), prefix,
                props.slots(), runtimes.keySet(), transport);
    }

    /**
     * Each agent's heartbeats on their own schedule (a third of its TTL) and, with a thread per agent, never
     * behind another's: one blocked by a slow answer (the adapter gives it a third of the TTL) delays no other.
     */
    private void heartbeatLater(PoolAgent agent) {
        try {
            heartbeats.schedule(() -> {
                try {
                    agent.heartbeat();
                } catch (RuntimeException e) {
                    log.warn("agent {}: heartbeat failed: {}", agent.id(), e.toString());
                } finally {
                    heartbeatLater(agent); // whatever happened, the next one comes
                }
            }, agent.heartbeatEvery().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("heartbeats stopped", e);
        }
    }

    /** A NODE_CANCELLED: the pool's agent it names stops that node, if it runs it. */
    private static void cancel(List<PoolAgent> agents, io.adagio.model.Event e) {
        for (PoolAgent a : agents) {
            if (a.id().equals(e.agentId())) {
                a.cancel(e.runId(), e.nodeSpec().name(), e.claimId());
            }
        }
    }

    @Override
    public void stop() {
        running = false;
        if (heartbeats != null) {
            heartbeats.shutdownNow();
        }
        if (feed != null) {
            feed.stop();
        }
        List<Thread> stopping = new ArrayList<>();
        for (PoolAgent a : agents) {
            Thread t = new Thread(() -> a.stop(STOP_GRACE), "adagio-agent-stop-" + a.id());
            t.start();
            stopping.add(t);
        }
        for (Thread t : stopping) {
            try {
                t.join(STOP_GRACE.toMillis() + 2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        agents.clear();
        log.info("agent pool stopped");
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Highest phase: started after the web server, stopped before it. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }

    /** The ids of the pool's agents. */
    public List<String> agentIds() {
        return agents.stream().map(PoolAgent::id).toList();
    }

    private static String defaultPrefix() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "agent";
        }
        return host.replace('/', '-') + "-" + ProcessHandle.current().pid();
    }
}
