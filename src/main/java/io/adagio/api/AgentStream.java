package io.adagio.api;

import io.adagio.control.AgentStreams;
import io.adagio.model.Event;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventSink;
import io.adagio.repository.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One agent's open event stream: writes the repository's events as SSE. {@code id:} is the event's cursor,
 * so a reconnect with {@code Last-Event-ID} resumes exactly after it. A snapshot's events carry no id but
 * the last (which carries the snapshot position); an empty snapshot sends the position alone. A reset is
 * announced by a {@code RESET} event before the current set.
 */
final class AgentStream implements EventSink, AgentStreams.Stream {
    private static final Logger log = LoggerFactory.getLogger(AgentStream.class);

    private final String agentId;
    private final SseEmitter emitter;
    private final Duration retry;
    private final Consumer<AgentStream> onClosed;
    private volatile Subscription subscription;
    private volatile boolean closed;
    /** When the write in progress began ({@link System#nanoTime}), 0 when none is. */
    private volatile long writingSince;
    private boolean retrySent;

    AgentStream(String agentId, SseEmitter emitter, Duration retry, Consumer<AgentStream> onClosed) {
        this.agentId = agentId;
        this.emitter = emitter;
        this.retry = retry;
        this.onClosed = onClosed;
    }

    @Override
    public String agentId() {
        return agentId;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    void attach(Subscription s) {
        this.subscription = s;
        if (closed) {
            s.close();
        }
    }

    @Override
    public void onSnapshot(Cursor position, List<Event> current, boolean reset) {
        if (reset) {
            send(start().name("RESET").data(Map.of("type", "RESET", "cursor", position.toString()), MediaType.APPLICATION_JSON));
        }
        if (current.isEmpty()) {
            send(start().id(position.toString()).comment("current set: empty"));
            return;
        }
        for (int i = 0; i < current.size(); i++) {
            Event e = current.get(i);
            SseEmitter.SseEventBuilder b = start().name(e.type().name()).data(e, MediaType.APPLICATION_JSON);
            if (i == current.size() - 1) {
                b.id(position.toString());
            }
            send(b);
        }
    }

    @Override
    public void onEvent(CursoredEvent e) {
        send(start().id(e.cursor().toString()).name(e.event().type().name()).data(e.event(), MediaType.APPLICATION_JSON));
    }

    @Override
    public void onClose() {
        complete();
    }

    @Override
    public void ping() {
        send(SseEmitter.event().comment("keep-alive"));
    }

    @Override
    public long writingSince() {
        return writingSince;
    }

    private SseEmitter.SseEventBuilder start() {
        SseEmitter.SseEventBuilder b = SseEmitter.event();
        synchronized (this) {
            if (!retrySent) {
                retrySent = true;
                b.reconnectTime(retry.toMillis());
            }
        }
        return b;
    }

    private void send(SseEmitter.SseEventBuilder b) {
        if (closed) {
            return;
        }
        try {
            synchronized (this) {
                writingSince = Math.max(1, System.nanoTime());
                try {
                    emitter.send(b);
                } finally {
                    writingSince = 0;
                }
            }
        } catch (IOException | IllegalStateException e) {
            log.debug("stream of agent {} is gone: {}", agentId, e.toString());
            close();
        }
    }

    /** Ends the stream from the server's side (shutdown, unregister). */
    @Override
    public void complete() {
        if (!closed) {
            try {
                emitter.complete();
            } catch (RuntimeException e) {
                log.debug("completing the stream of {} failed", agentId, e);
            }
        }
        close();
    }

    /** Stops delivery; idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        Subscription s = subscription;
        if (s != null) {
            s.close();
        }
        onClosed.accept(this);
    }
}
