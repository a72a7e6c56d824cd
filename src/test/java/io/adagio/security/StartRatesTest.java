package io.adagio.security;

import io.adagio.support.MovableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A token's starts per minute: a burst of that many, then one per 60 s / n, on an injected clock. */
class StartRatesTest {
    private final MovableClock clock = new MovableClock();
    private final StartRates rates = new StartRates(Map.of("ci", 3), clock);

    @Test
    void aBurstOfTheLimitPassesThenTheNextWaitsItsShareOfTheMinute() {
        for (int i = 0; i < 3; i++) {
            assertThat(rates.tryStart("ci")).as("start " + (i + 1)).isEmpty();
        }
        Duration wait = rates.tryStart("ci").orElseThrow();
        assertThat(wait).isGreaterThan(Duration.ofSeconds(19)).isLessThanOrEqualTo(Duration.ofSeconds(20));
        clock.advance(Duration.ofSeconds(10));
        assertThat(rates.tryStart("ci")).as("half of a start refilled").isPresent();
        clock.advance(Duration.ofSeconds(10));
        assertThat(rates.tryStart("ci")).as("one start refilled").isEmpty();
        assertThat(rates.tryStart("ci")).isPresent();
        clock.advance(Duration.ofMinutes(5));
        for (int i = 0; i < 3; i++) {
            assertThat(rates.tryStart("ci")).as("the bucket holds at most a minute's starts").isEmpty();
        }
        assertThat(rates.tryStart("ci")).isPresent();
    }

    @Test
    void tokensWithoutALimitAreNotLimitedAndEachTokenHasItsOwnBucket() {
        StartRates two = new StartRates(Map.of("a", 1, "b", 1), clock);
        assertThat(two.tryStart("a")).isEmpty();
        assertThat(two.tryStart("a")).isPresent();
        assertThat(two.tryStart("b")).isEmpty();
        for (int i = 0; i < 1000; i++) {
            assertThat(two.tryStart("unlimited")).isEmpty();
        }
        assertThat(two.limitOf("a")).contains(1);
        assertThat(two.limitOf("unlimited")).isEmpty();
    }

    @Test
    void aStartGivenBackCanBeTakenAgainButTheBucketHoldsNoMoreThanItsSize() {
        for (int i = 0; i < 3; i++) {
            assertThat(rates.tryStart("ci")).isEmpty();
        }
        assertThat(rates.tryStart("ci")).isPresent();
        rates.refund("ci");
        assertThat(rates.tryStart("ci")).as("the start given back").isEmpty();
        assertThat(rates.tryStart("ci")).isPresent();
        StartRates fresh = new StartRates(Map.of("ci", 3), clock);
        assertThat(fresh.tryStart("ci")).isEmpty();
        fresh.refund("ci");
        fresh.refund("ci");
        for (int i = 0; i < 3; i++) {
            assertThat(fresh.tryStart("ci")).isEmpty();
        }
        assertThat(fresh.tryStart("ci")).as("never more than a minute's starts").isPresent();
        rates.refund("unlimited"); // nothing to give back to
    }

    @Test
    void aLimitBelowOneIsRefusedNamingItsProperty() {
        assertThatThrownBy(() -> new StartRates(Map.of("ci", 0), clock))
                .hasMessageContaining("adagio.security.tokens.ci.starts-per-minute");
    }
}
