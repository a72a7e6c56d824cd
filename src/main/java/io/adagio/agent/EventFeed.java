package io.adagio.agent;

import io.adagio.model.Event;
import io.adagio.model.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A pool's event stream: followed as one of its agents, it turns NODE_ORPHANED events into {@link Hints},
 * NODE_CANCELLED into a word to the agent it names, and the others into a wake-up of the pool's agents (a NODE_READY names no node to claim: an agent woken claims a
 * batch of whatever is ready). When the stream ends or fails it follows again with jittered backoff from the
 * last position, so nothing is missed while the server's history allows; a reset clears the hints (the current
 * set follows). While no event has come for the re-list interval, it follows again from the current set, so a
 * hint the pool could not act on (or one lost on any path) is learned again without waiting for a reset.
 */
final class EventFeed {
    private static final Logger log = LoggerFactory.getLogger(EventFeed.class);

    private final String agentId;
    private final List<String> runtimes;
    private final ControlPlane controlPlane;
    private final Hints hints;
    private final Runnable wake;
    private final java.util.function.Consumer<Event> cancelled;
    private final Backoff backoff;
    private volatile boolean running;
    private volatile String position;
    private final Duration relist;
    /** When the last event came ({@link System#nanoTime}). */
    private volatile long lastEvent = System.nanoTime();
    /** Set by the re-list timer just before it ends the follow in progress. */
    private volatile boolean relisting;
    private Thread reader;
    private java.util.concurrent.ScheduledExecutorService timer;

    /**
     * @param wake      wakes the pool's agents: something may be claimable
     * @param cancelled told each NODE_CANCELLED: the agent it names should stop that node
     * @param relist    how long without an event before the feed follows again from the current set
     */
    EventFeed(String agentId, List<String> runtimes, ControlPlane controlPlane, Hints hints, Runnable wake,
              java.util.function.Consumer<Event> cancelled, Duration backoffMin, Duration backoffMax, Duration relist) {
        this.cancelled = cancelled;
        this.relist = relist;
        this.agentId = agentId;
        this.runtimes = List.copyOf(runtimes);
        this.controlPlane = controlPlane;
        this.hints = hints;
        this.wake = wake;
        this.backoff = new Backoff(backoffMin, backoffMax);
    }

    void start() {
        running = true;
        reader = new Thread(this::read, "adagio-agent-events-" + agentId);
        reader.setDaemon(true);
        reader.start();
        timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "adagio-agent-events-relist-" + agentId);
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(10, relist.toMillis() / 4);
        timer.scheduleWithFixedDelay(this::relistWhenIdle, every, every, TimeUnit.MILLISECONDS);
    }

    void stop() {
        running = false;
        timer.shutdownNow();
        reader.interrupt();
        controlPlane.close();
    }

    /** Ends the follow in progress when no event came for the re-list interval; the reader follows afresh. */
    private void relistWhenIdle() {
        if (running && System.nanoTime() - lastEvent > relist.toNanos()) {
            lastEvent = System.nanoTime();
            relisting = true;
            reader.interrupt(); // ends an in-process follow
            controlPlane.endFollows(); // ends a follow over HTTP (its reads are not interruptible)
        }
    }

    private void read() {
        ControlPlane.Listener listener = new ControlPlane.Listener() {
            @Override
            public void onEvent(Event e, String at) {
                lastEvent = System.nanoTime();
                moved(at);
                backoff.reset();
                if (!runtimes.contains(e.nodeSpec().runtime())) {
                    return;
                }
                if (e.type() == EventType.NODE_CANCELLED) {
                    hints.forget(e.runId(), e.nodeSpec().name());
                    cancelled.accept(e);
                    return;
                }
                if (e.type() == EventType.NODE_ORPHANED) {
                    hints.offer(new Hints.Hint(e.type(), e.runId(), e.nodeSpec()));
                } else if (e.type() == EventType.NODE_READY) {
                    hints.forget(e.runId(), e.nodeSpec().name());
                }
                wake.run();
            }

            @Override
            public void onReset(String at) {
                moved(at);
                log.info("agent {}: event history was lost; the current set follows", agentId);
                hints.clear();
                wake.run();
            }

            @Override
            public void onPosition(String at) {
                moved(at);
                backoff.reset();
            }
        };
        while (running) {
            try {
                log.debug("agent {}: following events after {}", agentId, position);
                controlPlane.follow(agentId, runtimes, position, listener);
                if (relisted()) {
                    continue; // ended for the re-list
                }
            } catch (InterruptedException e) {
                if (!relisted()) {
                    return;
                }
                continue;
            } catch (ControlPlane.Unavailable | RuntimeException e) {
                if (relisted()) {
                    continue;
                }
                if (running) {
                    log.debug("agent {}: event stream lost: {}", agentId, e.toString());
                }
            }
            if (running) {
                try {
                    TimeUnit.MILLISECONDS.sleep(backoff.next().toMillis());
                } catch (InterruptedException e) {
                    if (!relisted()) {
                        return;
                    }
                }
            }
        }
    }

    /** Whether the follow was ended for a re-list: then the next follows from the current set. */
    private boolean relisted() {
        if (!relisting || !running) {
            return false;
        }
        relisting = false;
        Thread.interrupted();
        position = null;
        log.debug("agent {}: no event for {}; following again from the current set", agentId, relist);
        return true;
    }

    private void moved(String at) {
        if (at != null) {
            position = at;
        }
    }
}
