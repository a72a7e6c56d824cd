package io.adagio.api;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.time.Duration;

/**
 * One open SSE response: writes events one at a time (the first carries the {@code retry:} the client should
 * wait before reconnecting), remembers since when a write has been blocked (a client that stopped reading), and
 * closes once, on a failed write or from the server's side, telling its owner.
 */
final class SseChannel {
    private static final Logger log = LoggerFactory.getLogger(SseChannel.class);

    private final String who;
    private final SseEmitter emitter;
    private final Duration retry;
    private final Runnable onClosed;
    private volatile boolean closed;
    /** When the write in progress began ({@link System#nanoTime}), 0 when none is. */
    private volatile long writingSince;
    private boolean retrySent;

    /**
     * @param who      names the stream in logs
     * @param onClosed called once, when the channel closes
     */
    SseChannel(String who, SseEmitter emitter, Duration retry, Runnable onClosed) {
        this.who = who;
        this.emitter = emitter;
        this.retry = retry;
        this.onClosed = onClosed;
        emitter.onCompletion(this::close);
        emitter.onTimeout(this::close);
        emitter.onError(e -> close());
    }

    boolean isOpen() {
        return !closed;
    }

    long writingSince() {
        return writingSince;
    }

    /** A new event, with the {@code retry:} field when it is the channel's first. */
    SseEmitter.SseEventBuilder event() {
        SseEmitter.SseEventBuilder b = SseEmitter.event();
        synchronized (this) {
            if (!retrySent) {
                retrySent = true;
                b.reconnectTime(retry.toMillis());
            }
        }
        return b;
    }

    /** Writes an event; a failed write closes the channel. */
    void send(SseEmitter.SseEventBuilder b) {
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
            log.debug("stream {} is gone: {}", who, e.toString());
            close();
        }
    }

    /** Writes a keep-alive comment. */
    void ping() {
        send(SseEmitter.event().comment("keep-alive"));
    }

    /** Ends the response from the server's side. */
    void complete() {
        if (!closed) {
            try {
                emitter.complete();
            } catch (RuntimeException e) {
                log.debug("completing stream {} failed", who, e);
            }
        }
        close();
    }

    /** Stops writing; idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        onClosed.run();
    }
}
