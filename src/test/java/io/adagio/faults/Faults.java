package io.adagio.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the fault suite shares: how often a scenario repeats (a few times in {@code ./mvnw verify}, the full count
 * with {@code -Pfaults}, which sets {@code adagio.faults=full}), and its figures, printed and appended to
 * {@code target/faults-report.txt} for docs/reliability.md.
 */
public final class Faults {
    private Faults() {
    }

    /** Whether this is the full suite ({@code -Pfaults}). */
    public static boolean full() {
        return "full".equals(System.getProperty("adagio.faults"));
    }

    /** The repetitions of a scenario: {@code quick} in verify, {@code full} with {@code -Pfaults}. */
    public static int repeat(int quick, int full) {
        return full() ? full : quick;
    }

    /** Prints a scenario's figures and appends them to {@code target/faults-report.txt}. */
    public static void report(String scenario, Map<String, ?> figures) {
        String line = Instant.now() + " " + scenario + (full() ? " [full]" : " [quick]") + ": " + new TreeMap<>(figures)
                + System.lineSeparator();
        System.out.print("FAULTS " + line);
        try {
            Path out = Path.of("target", "faults-report.txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
