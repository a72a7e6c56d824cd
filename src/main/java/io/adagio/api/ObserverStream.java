package io.adagio.api;

import io.adagio.control.AgentStreams;
import io.adagio.control.Observers;
import io.adagio.model.Event;
import io.adagio.repository.Cursor;
import io.adagio.repository.Subscription;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One observer's open stream: NODE_STATUS and RUN_STATUS events as SSE, {@code id:} the event's cursor where it
 * has one (a run's state and RUN_STATUS events carry none, so {@code Last-Event-ID} stays at the last node
 * change seen); a reset is announced by a {@code RESET} event.
 */
final class ObserverStream implements Observers.Sink, AgentStreams.Stream {
    final SseEmitter emitter;
    private final String owner;
    private final SseChannel channel;
    private volatile Subscription subscription;

    ObserverStream(String who, String owner, SseEmitter emitter, Duration retry, Consumer<ObserverStream> onClosed) {
        this.emitter = emitter;
        this.owner = owner;
        this.channel = new SseChannel(who, emitter, retry, () -> {
            Subscription s = subscription;
            if (s != null) {
                s.close();
            }
            onClosed.accept(this);
        });
    }

    @Override
    public String owner() {
        return owner;
    }

    void attach(Subscription s) {
        this.subscription = s;
        if (!channel.isOpen()) {
            s.close();
        }
    }

    @Override
    public void event(Cursor cursor, Event event) {
        SseEmitter.SseEventBuilder b = channel.event().name(event.type().name()).data(event, MediaType.APPLICATION_JSON);
        if (cursor != null) {
            b.id(cursor.toString());
        }
        channel.send(b);
    }

    @Override
    public void at(Cursor position) {
        channel.send(channel.event().id(position.toString()).comment("following from here"));
    }

    @Override
    public void reset(Cursor position) {
        channel.send(channel.event().id(position.toString()).name("RESET")
                .data(Map.of("type", "RESET", "cursor", position.toString()), MediaType.APPLICATION_JSON));
    }

    @Override
    public void end() {
        channel.complete();
    }

    @Override
    public String agentId() {
        return AgentStreams.OBSERVER;
    }

    @Override
    public void ping() {
        channel.ping();
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public long writingSince() {
        return channel.writingSince();
    }

    @Override
    public void complete() {
        channel.complete();
    }

    /** Stops delivery without a word to the client (the request failed before it was answered); idempotent. */
    void close() {
        channel.close();
    }
}
