package io.adagio.agent;

import io.adagio.agent.runtime.NodeRuntime;
import io.adagio.config.AgentProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import tools.jackson.databind.json.JsonMapper;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The built-in agent pool: {@code adagio.agent.concurrency} agents, each a plain client of the public API
 * with its own lease, sharing one event stream (held as the first agent) and one set of hints, so a node
 * costs the pool one claim.
 * Starts last (after the web server, so in mode {@code all} it can reach its own API) and stops first (so
 * its finishes still reach the API): it stops claiming, lets nodes in hand finish briefly, and unregisters.
 */
public final class AgentPool implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);

    private final AgentProperties props;
    private final Map<String, NodeRuntime> runtimes;
    private final JsonMapper json;
    private final Environment env;
    private final List<PoolAgent> agents = new ArrayList<>();
    private ScheduledExecutorService heartbeats;
    private EventFeed feed;
    private volatile boolean running;

    public AgentPool(AgentProperties props, List<NodeRuntime> runtimes, JsonMapper json, Environment env) {
        this.props = props;
        this.json = json;
        this.env = env;
        Map<String, NodeRuntime> offered = new LinkedHashMap<>();
        for (NodeRuntime r : runtimes) {
            offered.put(r.name(), r);
        }
        this.runtimes = offered;
    }

    /** The control plane the pool talks to: the configured URL, or this process's own API. */
    URI serverUrl() {
        if (props.serverUrl() != null && !props.serverUrl().toString().isBlank()) {
            return props.serverUrl();
        }
        String port = env.getProperty("local.server.port", env.getProperty("server.port", "7890"));
        return URI.create("http://127.0.0.1:" + port);
    }

    @Override
    public void start() {
        URI server = serverUrl();
        // one HTTP client per agent: a shared java.net.http client serialises its agents on one selector
        ControlPlaneClient feedClient = new ControlPlaneClient(server, json, Duration.ofSeconds(10));
        String prefix = props.idPrefix() == null || props.idPrefix().isBlank() ? defaultPrefix() : props.idPrefix();
        Hints hints = new Hints(Math.max(4, props.concurrency() * 2));
        for (int i = 0; i < props.concurrency(); i++) {
            PoolAgent a = new PoolAgent(prefix + "-" + i, new ControlPlaneClient(server, json, Duration.ofSeconds(10)),
                    runtimes, hints, props.backoffMin(), props.backoffMax());
            agents.add(a);
            a.start();
        }
        feed = new EventFeed(prefix + "-0", List.copyOf(runtimes.keySet()), feedClient, json, hints,
                props.backoffMin(), props.backoffMax());
        feed.start();
        heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "adagio-agent-heartbeats");
            t.setDaemon(true);
            return t;
        });
        heartbeats.scheduleWithFixedDelay(() -> agents.forEach(PoolAgent::heartbeat), 1, 1, TimeUnit.SECONDS);
        running = true;
        log.info("agent pool started: {} agents ({}) offering {} against {}", agents.size(), prefix, runtimes.keySet(), server);
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
