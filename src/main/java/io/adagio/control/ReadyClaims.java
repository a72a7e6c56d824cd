package io.adagio.control;

import com.github.f4b6a3.ulid.UlidCreator;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventFilter;
import io.adagio.repository.EventSink;
import io.adagio.repository.LeaseNotFoundException;
import io.adagio.repository.Repository;
import io.adagio.repository.Subscription;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Claims in batches with a long poll (protocol v2): up to {@code max} READY nodes of the agent's runtimes at
 * once, or, when none is ready, waiting up to {@code wait} for one — on no thread: a waiting claim is an event
 * subscription that tries again on a NODE_READY of the agent's runtimes (each event wakes one waiting claim of
 * this replica, the first to see it), and a timer that answers the empty list. A claim and the timeout exclude
 * each other, so nothing won is left unanswered by this replica. Every call renews the agent's lease.
 */
public final class ReadyClaims implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReadyClaims.class);
    /** The most nodes one call claims. */
    public static final int MAX_BATCH = 1000;

    private final Repository repository;
    private final Agents agents;
    private final ControlMetrics metrics;
    private final ScheduledExecutorService timer;
    private final AtomicInteger waiting = new AtomicInteger();
    private final Duration maxWait;
    /**
     * The NODE_READY events (by position) a waiting claim of this replica has tried already: each wakes one
     * waiting claim, not all of them — the others would each read the node only to find it taken (on etcd a read
     * transaction each). Bounded: an event is tried at once or never.
     */
    private final Map<Cursor, Boolean> tried = new java.util.LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Cursor, Boolean> eldest) {
            return size() > 4096;
        }
    };

    public ReadyClaims(Repository repository, Agents agents, ControlMetrics metrics, MeterRegistry registry) {
        this.repository = repository;
        this.agents = agents;
        this.metrics = metrics;
        this.maxWait = agents.ttl().dividedBy(3);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "adagio-claim-waits");
            t.setDaemon(true);
            return t;
        });
        Gauge.builder("adagio.claims.waiting", waiting, AtomicInteger::get)
                .description("Batch claims waiting for a node to become ready").register(registry);
    }

    /** How many claims are waiting now. */
    public int waiting() {
        return waiting.get();
    }

    /** The longest a claim may wait: a third of the lease TTL, so an agent waiting still renews its lease. */
    public Duration maxWait() {
        return maxWait;
    }

    /** The claims the agent holds whose run was cancelled ({@link Repository#cancelledFor}). */
    public List<io.adagio.repository.CancelledClaim> cancelledFor(String agentId) {
        return repository.cancelledFor(agentId);
    }

    /** {@link #claim(String, int, Duration, String)} without a request id. */
    public CompletableFuture<List<ClaimOutcome>> claim(String agentId, int max, Duration wait) {
        return claim(agentId, max, wait, null);
    }

    /**
     * Claims up to {@code max} READY nodes for the agent, waiting up to {@code wait} for at least one. With a
     * {@code requestId}, each claim records it, so that {@link #held} finds them again when the answer is lost.
     *
     * @return the claims won (empty when none came in time)
     * @throws InvalidRequestException when {@code max} or {@code wait} is out of range
     * @throws LeaseNotFoundException  when the agent holds no live lease
     */
    public CompletableFuture<List<ClaimOutcome>> claim(String agentId, int max, Duration wait, String requestId) {
        if (max < 1 || max > MAX_BATCH) {
            throw new InvalidRequestException("max must be between 1 and " + MAX_BATCH + ".", Map.of("field", "max"));
        }
        if (wait.isNegative() || wait.compareTo(maxWait()) > 0) {
            throw new InvalidRequestException("wait must be between 0s and " + maxWait().toMillis()
                    + "ms (a third of the lease TTL).", Map.of("field", "wait"));
        }
        Agent agent = agents.touch(agentId).agent();
        String request = requestId == null || requestId.isBlank() ? null : requestId;
        List<ClaimOutcome> now = claimNow(agentId, max, request);
        if (!now.isEmpty() || wait.isZero()) {
            return CompletableFuture.completedFuture(now);
        }
        return new Wait(agent, max, request).start(wait);
    }

    /**
     * The claims made for {@code requestId} that the agent still holds: what a claim whose answer was lost made.
     * Renews the agent's lease.
     *
     * @throws InvalidRequestException when no request id is given
     * @throws LeaseNotFoundException  when the agent holds no live lease
     */
    public List<ClaimOutcome> held(String agentId, String requestId) {
        if (requestId == null || requestId.isBlank()) {
            throw new InvalidRequestException("request_id is required.", Map.of("parameter", "request_id"));
        }
        agents.touch(agentId);
        return repository.heldFor(agentId, requestId);
    }

    private List<ClaimOutcome> claimNow(String agentId, int max, String requestId) {
        List<ClaimOutcome> won = repository.claimReady(agentId, max,
                () -> Claim.forRequest(UlidCreator.getMonotonicUlid().toString(), requestId).forAgent(agentId));
        won.forEach(c -> metrics.claim(true));
        return won;
    }

    /** One waiting claim. */
    private final class Wait implements EventSink {
        private final Agent agent;
        private final int max;
        private final String requestId;
        private final CompletableFuture<List<ClaimOutcome>> answer = new CompletableFuture<>();
        private volatile Subscription subscription;

        Wait(Agent agent, int max, String requestId) {
            this.agent = agent;
            this.max = max;
            this.requestId = requestId;
        }

        CompletableFuture<List<ClaimOutcome>> start(Duration wait) {
            waiting.incrementAndGet();
            answer.whenComplete((r, e) -> {
                waiting.decrementAndGet();
                Subscription s = subscription;
                if (s != null) {
                    s.close();
                }
            });
            Set<String> runtimes = agent.runtimes().stream().map(AgentRuntime::name).collect(Collectors.toSet());
            subscription = repository.subscribe(new EventFilter(Set.of(EventType.NODE_READY), runtimes), null, this);
            if (answer.isDone()) {
                subscription.close();
            }
            timer.schedule(() -> answer(List.of()), wait.toNanos(), TimeUnit.NANOSECONDS);
            return answer;
        }

        /** Tries to claim; the answer, once given, is final, and no claim is made after it. */
        private synchronized void tryClaim() {
            if (answer.isDone()) {
                return;
            }
            try {
                List<ClaimOutcome> won = claimNow(agent.id(), max, requestId);
                if (!won.isEmpty()) {
                    answer.complete(won);
                }
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            }
        }

        private synchronized void answer(List<ClaimOutcome> none) {
            answer.complete(none);
        }

        @Override
        public void onSnapshot(Cursor position, List<Event> current, boolean reset) {
            if (!current.isEmpty()) {
                tryClaim();
            }
        }

        @Override
        public void onEvent(CursoredEvent event) {
            if (!answer.isDone() && firstToTry(event.cursor())) {
                tryClaim();
            }
        }

        @Override
        public void onClose() {
            answer(List.of());
        }
    }

    /**
     * Whether a waiting claim seeing the event at {@code position} is the first of this replica's to try for it.
     * One try per node made READY is enough: a batch claim takes whatever is ready, and one that comes away with
     * nothing (another replica's agent was quicker) leaves the rest to their next claim, at the latest when their
     * wait ends.
     */
    private boolean firstToTry(Cursor position) {
        if (position == null) {
            return true;
        }
        synchronized (tried) {
            return tried.putIfAbsent(position, Boolean.TRUE) == null;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        log.debug("claim waits stopped");
    }
}
