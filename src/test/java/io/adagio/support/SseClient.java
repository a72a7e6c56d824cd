package io.adagio.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A raw SSE reader for tests: records every message (event, id, data) and comment as the server wrote
 * them, so tests can assert the wire format itself.
 */
public final class SseClient implements AutoCloseable {
    /** One dispatched message; {@code id} is null when the message carried none. */
    public record Message(String event, String id, String data) {
    }

    public final List<Message> messages = Collections.synchronizedList(new ArrayList<>());
    public final List<String> comments = Collections.synchronizedList(new ArrayList<>());
    public final List<String> retries = Collections.synchronizedList(new ArrayList<>());
    private final HttpResponse<InputStream> response;
    private final Thread reader;
    private volatile boolean ended;

    private SseClient(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::read, "test-sse");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens {@code path} with an optional Last-Event-ID. */
    public static SseClient open(Http http, String path, String lastEventId) {
        return open(http, path, lastEventId, java.util.Map.of());
    }

    /** Opens {@code path} with an optional Last-Event-ID and more request headers (e.g. Authorization). */
    public static SseClient open(Http http, String path, String lastEventId, java.util.Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(http.uri(path)).header("Accept", "text/event-stream").GET();
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        headers.forEach(b::header);
        try {
            return new SseClient(http.client().send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<InputStream> response() {
        return response;
    }

    public boolean ended() {
        return ended;
    }

    /** The id of the last message that carried one (what a client would send as Last-Event-ID). */
    public String lastEventId() {
        synchronized (messages) {
            for (int i = messages.size() - 1; i >= 0; i--) {
                if (messages.get(i).id() != null) {
                    return messages.get(i).id();
                }
            }
        }
        return null;
    }

    /** Messages of one event type. */
    public List<Message> of(String event) {
        synchronized (messages) {
            return messages.stream().filter(m -> event.equals(m.event())).toList();
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String event = null;
            String id = null;
            StringBuilder data = null;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null || id != null) {
                        messages.add(new Message(event, id, data == null ? null : data.toString()));
                    }
                    event = null;
                    id = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).trim());
                } else {
                    int c = line.indexOf(':');
                    String field = c < 0 ? line : line.substring(0, c);
                    String value = c < 0 ? "" : line.substring(c + 1).replaceFirst("^ ", "");
                    switch (field) {
                        case "event" -> event = value;
                        case "id" -> id = value;
                        case "retry" -> retries.add(value);
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> {
                        }
                    }
                }
            }
        } catch (IOException e) {
            // closed
        } finally {
            ended = true;
        }
    }

    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException e) {
            // already closed
        }
        reader.interrupt();
    }
}
