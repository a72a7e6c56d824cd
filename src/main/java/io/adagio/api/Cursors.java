package io.adagio.api;

import io.adagio.repository.Cursor;

import java.util.Map;

/** The cursor a stream resumes after: the {@code Last-Event-ID} header, else the {@code last_event_id} parameter. */
final class Cursors {
    private Cursors() {
    }

    /**
     * @return the cursor, or null when neither is given
     * @throws ApiException (400 invalid-request) when the one given is not a cursor
     */
    static Cursor parse(String header, String parameter) {
        String text = header != null && !header.isBlank() ? header : parameter;
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Cursor.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ProblemType.INVALID_REQUEST, "Last-Event-ID '" + text + "' is not an event cursor.",
                    Map.of("parameter", "Last-Event-ID"));
        }
    }
}
