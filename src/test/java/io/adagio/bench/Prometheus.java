package io.adagio.bench;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sums of series in the Prometheus text format: etcd's {@code /metrics} (its unary gRPC calls, its CPU) and
 * the service's {@code /actuator/prometheus} (the HTTP requests it served).
 */
final class Prometheus {
    private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private Prometheus() {
    }

    /** The sum of the values of every series of {@code metric} whose labels pass {@code labels}. */
    static double sum(String text, String metric, Predicate<Map<String, String>> labels) {
        return sumBy(text, metric, labels, null).getOrDefault("", 0.0);
    }

    /**
     * The sums of the values of the series of {@code metric} whose labels pass {@code labels}, by the value of
     * label {@code by} (all under "" when {@code by} is null), in the order first seen.
     */
    static Map<String, Double> sumBy(String text, String metric, Predicate<Map<String, String>> labels, String by) {
        Map<String, Double> sums = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (!line.startsWith(metric)) {
                continue;
            }
            Matcher m = SERIES.matcher(line);
            if (!m.find() || !m.group(1).equals(metric)) {
                continue;
            }
            Map<String, String> l = new HashMap<>();
            if (m.group(2) != null) {
                Matcher lm = LABEL.matcher(m.group(2));
                while (lm.find()) {
                    l.put(lm.group(1), lm.group(2));
                }
            }
            if (labels.test(l)) {
                sums.merge(by == null ? "" : l.getOrDefault(by, ""), Double.parseDouble(m.group(3)), Double::sum);
            }
        }
        return sums;
    }
}
