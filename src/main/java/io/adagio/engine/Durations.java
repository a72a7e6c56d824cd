package io.adagio.engine;

import java.time.Duration;
import java.util.Map;

/**
 * Reads a duration as the original does (an integer of Go nanoseconds) or readably, as a Go duration string
 * ({@code 250ms}, {@code 1.5s}, {@code 1m30s}; units ns, us, µs, ms, s, m, h).
 */
public final class Durations {
    private static final Map<String, Long> UNITS = Map.of("ns", 1L, "us", 1_000L, "µs", 1_000L, "μs", 1_000L,
            "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    private Durations() {
    }

    /**
     * @throws IllegalArgumentException when the text is neither
     */
    public static Duration parse(String text) {
        String s = text.trim();
        if (s.matches("-?\\d+")) {
            long ns = Long.parseLong(s);
            if (ns < 0) {
                throw new IllegalArgumentException("negative duration: " + text);
            }
            return Duration.ofNanos(ns);
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty duration");
        }
        java.math.BigDecimal total = java.math.BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                throw new IllegalArgumentException("not a duration: " + text);
            }
            java.math.BigDecimal value;
            try {
                value = new java.math.BigDecimal(s.substring(start, i));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a duration: " + text, e);
            }
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            Long unit = UNITS.get(s.substring(unitStart, i));
            if (unit == null) {
                throw new IllegalArgumentException("unknown unit in duration " + text + "; use ns, us, ms, s, m or h");
            }
            total = total.add(value.multiply(java.math.BigDecimal.valueOf(unit)));
        }
        if (total.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("duration too long: " + text);
        }
        return Duration.ofNanos(total.longValue());
    }
}
