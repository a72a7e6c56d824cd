package io.adagio.control;

import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.EventType;
import io.adagio.repository.Cursor;
import io.adagio.repository.EventFilter;
import io.adagio.repository.EventSink;
import io.adagio.repository.Repository;
import io.adagio.repository.Subscription;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The open event streams of this replica, agents' and observers', whatever carries them. Sends keep-alives (a comment on every
 * open stream, so proxies keep it, a dead client is noticed by a failed write, and an agent can tell a silent
 * stream from a dead one) from one timer, each written by a task of its own so a stream that does not drain
 * never delays another; a stream whose write has been stuck longer than the write deadline (its client stopped
 * reading) is ended. Streams never renew leases: only an agent's own calls prove it alive. Completes every
 * stream when the service shuts down (so shutdown is not held up by long-lived connections) and the streams of
 * an agent that unregisters.
 */
public final class AgentStreams implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(AgentStreams.class);

    /** One open stream, as the transport that carries it sees it. */
    public interface Stream {
        /** The agent whose events it carries. */
        String agentId();

        /** Writes a keep-alive (may block while the client does not read). */
        void ping();

        /** Whether the stream is still open, as last seen. */
        boolean isOpen();

        /** Since when ({@link System#nanoTime}) the write in progress has been blocked; 0 when none is. */
        long writingSince();

        /** Ends the stream from the server's side. */
        void complete();

        /** The name of the token that opened it; empty when none did (security off, or in process). */
        default String owner() {
            return "";
        }
    }

    private final Repository repository;
    private final Map<String, Set<Stream>> byAgent = new ConcurrentHashMap<>();
    /** When each open stream was opened, in order: an agent's oldest stream makes way for its newest. */
    private final Map<Stream, Long> opened = new ConcurrentHashMap<>();
    private final AtomicLong openings = new AtomicLong();
    /** Open streams per token, and the token of each stream that has one. */
    private final Map<String, Integer> byOwner = new ConcurrentHashMap<>();
    private final Map<Stream, String> ownerOf = new ConcurrentHashMap<>();
    private final int perAgent;
    private final int perToken;
    /** Streams with a keep-alive queued or being written. */
    private final Set<Stream> pinging = ConcurrentHashMap.newKeySet();
    private final long pingMs;
    private final long deadlineNanos;
    private ScheduledExecutorService keepAlives;
    private ExecutorService writers;
    private volatile boolean accepting;

    /**
     * @param keepAlive     how often each open stream gets a keep-alive comment
     * @param writeDeadline how long a write may stay blocked before the stream is ended
     * @param perAgent      the most streams one agent id has open: its oldest is ended when it opens one more
     *                      (a reconnect whose old connection the server has not yet seen die)
     * @param perToken      the most streams one token has open (agents' and observers'): more are refused
     */
    public AgentStreams(Repository repository, Agents agents, Duration keepAlive, Duration writeDeadline,
                        int perAgent, int perToken, MeterRegistry registry) {
        if (perAgent < 1 || perToken < 1) {
            throw new IllegalArgumentException("adagio.sse.max-streams-per-agent and -per-token must be at least 1");
        }
        this.repository = repository;
        this.perAgent = perAgent;
        this.perToken = perToken;
        this.pingMs = Math.max(50, keepAlive.toMillis());
        this.deadlineNanos = writeDeadline.toNanos();
        agents.onUnregister(this::closeAll);
        Gauge.builder("adagio.sse.streams", this, AgentStreams::openCount).description("Open event streams (agents' and observers')")
                .register(registry);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** How often a stream gets a keep-alive: a stream silent for much longer is dead. */
    public Duration keepAlive() {
        return Duration.ofMillis(pingMs);
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
            return () -> { }; // not kept: it counts against nothing
        }
        add(agent.id(), stream);
        Set<String> offered = agent.runtimes().stream().map(AgentRuntime::name).collect(Collectors.toSet());
        return repository.subscribe(new EventFilter(types, offered), after, stream);
    }

    /**
     * An observer's stream opened ({@link Observers}): it gets keep-alives and is completed at shutdown like an
     * agent's; its {@link Stream#agentId} is {@link #OBSERVER}, which no agent can have.
     */
    public void observe(Stream stream) {
        if (!accepting) {
            stream.complete();
            return;
        }
        add(OBSERVER, stream);
    }

    /**
     * Adds a stream under a key, atomically with a concurrent {@link #remove} of that key's last stream; an agent's
     * oldest stream over {@code perAgent} is ended.
     *
     * @throws TooManyStreamsException when its token has {@code perToken} streams open already
     */
    private void add(String key, Stream stream) {
        if (!OBSERVER.equals(key)) {
            // a reconnect makes way first, so that its token's own stream it replaces does not count against it
            Set<Stream> mine = byAgent.get(key);
            if (mine != null && mine.size() >= perAgent) {
                mine.stream().min(Comparator.comparingLong(x -> opened.getOrDefault(x, Long.MAX_VALUE))).ifPresent(old -> {
                    log.info("agent {} opened more than {} streams; ending its oldest", key, perAgent);
                    end(old);
                });
            }
        }
        admit(stream);
        opened.put(stream, openings.incrementAndGet());
        List<Stream> evicted = new ArrayList<>(1);
        byAgent.compute(key, (k, set) -> {
            Set<Stream> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            s.add(stream);
            if (!OBSERVER.equals(key) && s.size() > perAgent) {
                s.stream().min(Comparator.comparingLong(x -> opened.getOrDefault(x, Long.MAX_VALUE))).ifPresent(old -> {
                    s.remove(old);
                    evicted.add(old);
                });
            }
            return s;
        });
        for (Stream old : evicted) { // more than perAgent opened at once
            log.info("agent {} opened more than {} streams; ending its oldest", key, perAgent);
            end(old);
        }
    }

    /** Counts a stream against its token's streams, refusing one over the cap. */
    private void admit(Stream stream) {
        String owner = stream.owner();
        if (owner == null || owner.isEmpty()) {
            return;
        }
        byOwner.compute(owner, (k, n) -> {
            int open = n == null ? 0 : n;
            if (open >= perToken) {
                throw new TooManyStreamsException(owner, perToken);
            }
            return open + 1;
        });
        ownerOf.put(stream, owner);
    }

    /** What an observer's stream answers as its agent: no agent's id is empty (it is a path segment). */
    public static final String OBSERVER = "";

    /** A stream closed. */
    public void remove(Stream stream) {
        pinging.remove(stream);
        opened.remove(stream);
        String owner = ownerOf.remove(stream);
        if (owner != null) {
            byOwner.computeIfPresent(owner, (k, n) -> n <= 1 ? null : n - 1);
        }
        byAgent.computeIfPresent(stream.agentId(), (k, set) -> {
            set.remove(stream);
            return set.isEmpty() ? null : set;
        });
    }

    /** Completes every stream of an agent (it unregistered). */
    public void closeAll(String agentId) {
        Set<Stream> set = byAgent.remove(agentId);
        if (set != null) {
            set.forEach(Stream::complete);
        }
    }

    public int openCount() {
        return byAgent.values().stream().mapToInt(Set::size).sum();
    }

    /** One keep-alive round: a keep-alive for every stream not already writing; stuck streams are ended. */
    private void pingAll() {
        long now = System.nanoTime();
        for (Set<Stream> streams : byAgent.values()) {
            for (Stream s : List.copyOf(streams)) {
                long since = s.writingSince();
                if (since != 0 && now - since > deadlineNanos) {
                    log.info("a stream of {} has not been read for {} ms; ending it", s.agentId().isEmpty() ? "an observer" : "agent " + s.agentId(),
                            TimeUnit.NANOSECONDS.toMillis(now - since));
                    end(s);
                } else if (since == 0 && pinging.add(s)) {
                    write(s);
                }
            }
        }
    }

    private void write(Stream s) {
        try {
            writers.execute(() -> {
                try {
                    s.ping();
                } catch (RuntimeException e) {
                    log.debug("keep-alive of a stream of {} failed: {}", s.agentId(), e.toString());
                } finally {
                    pinging.remove(s);
                }
            });
        } catch (RejectedExecutionException e) {
            pinging.remove(s);
        }
    }

    /** Ends a stream on a thread of its own: completing it may block as long as a write stuck in it does. */
    private void end(Stream s) {
        remove(s);
        ExecutorService w = writers;
        if (w == null) {
            s.complete();
            return;
        }
        try {
            w.execute(s::complete);
        } catch (RejectedExecutionException e) {
            log.debug("stream not ended: stopping", e);
        }
    }

    /** Starts (again, after a {@link #stop}) sending keep-alives and accepting streams. */
    @Override
    public synchronized void start() {
        if (accepting) {
            return;
        }
        keepAlives = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "adagio-sse-keepalive"));
        AtomicInteger n = new AtomicInteger();
        writers = Executors.newCachedThreadPool(r -> daemon(r, "adagio-sse-keepalive-" + n.incrementAndGet()));
        keepAlives.scheduleWithFixedDelay(this::pingAll, pingMs, pingMs, TimeUnit.MILLISECONDS);
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
        writers.shutdownNow();
        pinging.clear();
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
