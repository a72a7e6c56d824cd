package io.adagio.api;

import jakarta.servlet.http.HttpServletResponse;

import java.util.Locale;

/**
 * The {@code return} preference of an RFC 7240 {@code Prefer} header: {@code return=minimal} asks a finish not to
 * send back the nodes it finished (an agent that has them already only needs each finish's outcome and its next
 * claims); the answer then says {@code Preference-Applied: return=minimal}. Any other preference, or none, keeps
 * the full answer.
 */
final class ReturnPreference {
    static final String PREFER = "Prefer";
    static final String APPLIED = "Preference-Applied";
    static final String MINIMAL = "return=minimal";

    private ReturnPreference() {
    }

    /**
     * Whether the request's {@code prefer} asks for {@code return=minimal}; if so, the answer says it is applied
     * ({@code Preference-Applied}).
     */
    static boolean applied(String prefer, HttpServletResponse response) {
        boolean minimal = minimal(prefer);
        if (minimal) {
            response.setHeader(APPLIED, MINIMAL);
        }
        return minimal;
    }

    /** Whether {@code prefer} (the header's value, null when absent) asks for {@code return=minimal}. */
    static boolean minimal(String prefer) {
        if (prefer == null) {
            return false;
        }
        for (String preference : prefer.split(",")) {
            String first = preference.split(";", 2)[0]; // parameters after ';' qualify the preference
            int eq = first.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String token = first.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = first.substring(eq + 1).trim();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            if (token.equals("return")) {
                return value.equalsIgnoreCase("minimal"); // the first return preference counts
            }
        }
        return false;
    }
}
