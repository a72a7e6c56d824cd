package io.adagio.agent;

import io.adagio.model.Event;
import io.adagio.model.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A pool's event stream: held open as one of its agents, it turns NODE_READY and NODE_ORPHANED events into
 * {@link Hints}. When the stream ends or fails it reconnects with jittered backoff and {@code Last-Event-ID},
 * so nothing is missed while the server's history allows; a RESET clears the hints (the current set follows).
 */
final class EventFeed {
    private static final Logger log = LoggerFactory.getLogger(EventFeed.class);

    private final String agentId;
    private final List<String> runtimes;
    private final ControlPlaneClient client;
    private final JsonMapper json;
    private final Hints hints;
    private final Backoff backoff;
    private volatile boolean running;
    private volatile Stream<String> stream;
    private volatile String lastEventId;
    private Thread reader;

    EventFeed(String agentId, List<String> runtimes, ControlPlaneClient client, JsonMapper json, Hints hints,
              Duration backoffMin, Duration backoffMax) {
        this.agentId = agentId;
        this.runtimes = List.copyOf(runtimes);
        this.client = client;
        this.json = json;
        this.hints = hints;
        this.backoff = new Backoff(backoffMin, backoffMax);
    }

    void start() {
        running = true;
        reader = new Thread(this::read, "adagio-agent-events-" + agentId);
        reader.setDaemon(true);
        reader.start();
    }

    void stop() {
        running = false;
        Stream<String> s = stream;
        if (s != null) {
            s.close();
        }
        reader.interrupt();
    }

    private void read() {
        while (running) {
            try {
                HttpResponse<Stream<String>> r = client.events(agentId, runtimes, lastEventId);
                stream = r.body();
                if (!running) {
                    stream.close();
                    return;
                }
                backoff.reset();
                log.debug("agent {}: event stream open after {}", agentId, lastEventId);
                SseParser parser = new SseParser(lastEventId, this::onMessage, ms -> { });
                Iterator<String> lines = stream.iterator();
                while (running && lines.hasNext()) {
                    parser.line(lines.next());
                    lastEventId = parser.lastEventId();
                }
            } catch (ControlPlaneClient.Unavailable | RuntimeException e) {
                if (running) {
                    log.debug("agent {}: event stream lost: {}", agentId, e.toString());
                }
            } finally {
                Stream<String> s = stream;
                if (s != null) {
                    s.close();
                }
            }
            if (running) {
                try {
                    TimeUnit.MILLISECONDS.sleep(backoff.next().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private void onMessage(SseParser.Message m) {
        lastEventId = m.lastEventId();
        if ("RESET".equals(m.event())) {
            log.info("agent {}: event history was lost; the current set follows", agentId);
            hints.clear();
            return;
        }
        if (!"NODE_READY".equals(m.event()) && !"NODE_ORPHANED".equals(m.event())) {
            return;
        }
        Event e = json.readValue(m.data(), Event.class);
        if (runtimes.contains(e.nodeSpec().runtime())) {
            hints.offer(new Hints.Hint(e.type() == null ? EventType.valueOf(m.event()) : e.type(), e.runId(), e.nodeSpec()));
        }
    }
}
