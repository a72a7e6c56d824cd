package io.adagio.repository;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What was last learned of each subject (an agent), and when: a value answers only while it is recent enough
 * for its caller, and values older than {@code keep} are forgotten as the map is used (at most once per
 * {@code keep / 4}), so subjects that stop coming — dead agents — leave nothing behind. Thread-safe.
 *
 * @param <V> what is remembered
 */
public final class Recent<V> {
    private record Stamped<V>(V value, Instant at) {
    }

    private final Map<String, Stamped<V>> entries = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Duration keep;
    private volatile Instant nextPrune;

    /** @param keep how long a value is kept after it was put (at least as long as any caller trusts it) */
    public Recent(Clock clock, Duration keep) {
        this.clock = clock;
        this.keep = keep;
        this.nextPrune = clock.instant().plus(keep);
    }

    public void put(String key, V value) {
        Instant now = clock.instant();
        entries.put(key, new Stamped<>(value, now));
        pruneIfDue(now);
    }

    /** The value put less than {@code age} ago, if any. */
    public Optional<V> within(String key, Duration age) {
        Instant now = clock.instant();
        pruneIfDue(now);
        Stamped<V> s = entries.get(key);
        return s != null && now.isBefore(s.at().plus(age)) ? Optional.of(s.value()) : Optional.empty();
    }

    /** The value however old (but not forgotten yet), if any. */
    public Optional<V> any(String key) {
        pruneIfDue(clock.instant());
        Stamped<V> s = entries.get(key);
        return s == null ? Optional.empty() : Optional.of(s.value());
    }

    public Optional<V> remove(String key) {
        Stamped<V> s = entries.remove(key);
        return s == null ? Optional.empty() : Optional.of(s.value());
    }

    /** How many subjects are remembered now. */
    public int size() {
        pruneIfDue(clock.instant());
        return entries.size();
    }

    private void pruneIfDue(Instant now) {
        if (now.isBefore(nextPrune)) {
            return;
        }
        nextPrune = now.plus(keep.dividedBy(4));
        Instant cutoff = now.minus(keep);
        entries.values().removeIf(s -> s.at().isBefore(cutoff));
    }
}
