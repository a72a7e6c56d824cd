package io.adagio.api;

import io.adagio.control.AgentStreams;
import io.adagio.model.Event;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventSink;
import io.adagio.repository.Subscription;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

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
    private final String agentId;
    private final String owner;
    private final SseChannel channel;
    private volatile Subscription subscription;

    AgentStream(String agentId, String owner, SseEmitter emitter, Duration retry, Consumer<AgentStream> onClosed) {
        this.agentId = agentId;
        this.owner = owner;
        this.channel = new SseChannel("of agent " + agentId, emitter, retry, () -> {
            Subscription s = subscription;
            if (s != null) {
                s.close();
            }
            onClosed.accept(this);
        });
    }

    @Override
    public String agentId() {
        return agentId;
    }

    @Override
    public String owner() {
        return owner;
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    void attach(Subscription s) {
        this.subscription = s;
        if (!channel.isOpen()) {
            s.close();
        }
    }

    @Override
    public void onSnapshot(Cursor position, List<Event> current, boolean reset) {
        if (reset) {
            channel.send(channel.event().name("RESET").data(Map.of("type", "RESET", "cursor", position.toString()),
                    MediaType.APPLICATION_JSON));
        }
        if (current.isEmpty()) {
            channel.send(channel.event().id(position.toString()).comment("current set: empty"));
            return;
        }
        for (int i = 0; i < current.size(); i++) {
            Event e = current.get(i);
            SseEmitter.SseEventBuilder b = channel.event().name(e.type().name()).data(e, MediaType.APPLICATION_JSON);
            if (i == current.size() - 1) {
                b.id(position.toString());
            }
            channel.send(b);
        }
    }

    @Override
    public void onEvent(CursoredEvent e) {
        channel.send(channel.event().id(e.cursor().toString()).name(e.event().type().name())
                .data(e.event(), MediaType.APPLICATION_JSON));
    }

    @Override
    public void onClose() {
        complete();
    }

    @Override
    public void ping() {
        channel.ping();
    }

    @Override
    public long writingSince() {
        return channel.writingSince();
    }

    /** Ends the stream from the server's side (shutdown, unregister). */
    @Override
    public void complete() {
        channel.complete();
    }

    /** Stops delivery; idempotent. */
    void close() {
        channel.close();
    }
}
