package io.adagio.agent.http;

import java.util.function.Consumer;

/**
 * Turns Server-Sent-Events lines into messages, per the WHATWG rules the agents rely on: fields
 * {@code event}, {@code data} (joined by newlines), {@code id} (remembered even on a message without data),
 * {@code retry}; comments ignored; a blank line dispatches.
 */
final class SseParser {
    /** One dispatched message; {@code lastEventId} is the id in force after it. */
    record Message(String event, String data, String lastEventId) {
    }

    private final Consumer<Message> onMessage;
    private final java.util.function.LongConsumer onRetry;
    private String event;
    private StringBuilder data;
    private String lastEventId;

    SseParser(String lastEventId, Consumer<Message> onMessage, java.util.function.LongConsumer onRetry) {
        this.lastEventId = lastEventId;
        this.onMessage = onMessage;
        this.onRetry = onRetry;
    }

    String lastEventId() {
        return lastEventId;
    }

    void line(String line) {
        if (line.isEmpty()) {
            if (data != null) {
                onMessage.accept(new Message(event == null || event.isEmpty() ? "message" : event, data.toString(), lastEventId));
            }
            event = null;
            data = null;
            return;
        }
        if (line.startsWith(":")) {
            return;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event" -> event = value;
            case "data" -> {
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            }
            case "id" -> {
                if (!value.contains("\0")) {
                    lastEventId = value;
                }
            }
            case "retry" -> {
                if (value.matches("\\d{1,18}")) {
                    onRetry.accept(Long.parseLong(value));
                }
            }
            default -> {
            }
        }
    }
}
