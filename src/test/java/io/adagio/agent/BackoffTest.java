package io.adagio.agent;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {
    private static final Duration MIN = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofMillis(5_000);

    /** The k-th delay (0-based) of a fresh backoff. */
    private static Duration kth(int k) {
        Backoff b = new Backoff(MIN, MAX);
        Duration d = null;
        for (int i = 0; i <= k; i++) {
            d = b.next();
        }
        return d;
    }

    @RepeatedTest(20)
    void everyDelayIsWithinMinAndMax() {
        Backoff b = new Backoff(MIN, MAX);
        for (int i = 0; i < 40; i++) {
            assertThat(b.next()).isBetween(MIN, MAX);
        }
    }

    @Test
    void firstDelayIsTheMinimum() {
        for (int i = 0; i < 50; i++) {
            assertThat(new Backoff(MIN, MAX).next()).isEqualTo(MIN);
        }
    }

    @Test
    void ceilingDoublesWithEachFailure() {
        // the k-th delay is at most min * 2^k (capped at max)
        for (int trial = 0; trial < 200; trial++) {
            Backoff b = new Backoff(MIN, MAX);
            for (int k = 0; k < 10; k++) {
                long ceiling = Math.min(MAX.toMillis(), MIN.toMillis() << k);
                assertThat(b.next().toMillis()).as("delay %d", k).isBetween(MIN.toMillis(), ceiling);
            }
        }
    }

    @Test
    void delaysGrowAfterRepeatedFailures() {
        // With full jitter single delays are random; the spread grows: after 5 failures delays reach far above
        // 2 * min (each sample is in [100, 3200] ms, so 200 samples all <= 200 ms is practically impossible).
        long largestFifth = 0;
        long largestSecond = 0;
        for (int i = 0; i < 200; i++) {
            largestSecond = Math.max(largestSecond, kth(1).toMillis());
            largestFifth = Math.max(largestFifth, kth(5).toMillis());
        }
        assertThat(largestSecond).isLessThanOrEqualTo(200);
        assertThat(largestFifth).isGreaterThan(1_000);
    }

    @Test
    void delaysEventuallyReachTheMaximumRangeButNeverExceedIt() {
        Backoff b = new Backoff(MIN, MAX);
        List<Long> late = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long d = b.next().toMillis();
            if (i >= 10) {
                late.add(d);
            }
        }
        assertThat(late).allSatisfy(d -> assertThat(d).isBetween(MIN.toMillis(), MAX.toMillis()));
        assertThat(late.stream().mapToLong(Long::longValue).max().orElseThrow()).isGreaterThan(MAX.toMillis() / 2);
    }

    @Test
    void resetGoesBackToTheMinimumRange() {
        Backoff b = new Backoff(MIN, MAX);
        for (int i = 0; i < 20; i++) {
            b.next();
        }
        b.reset();
        assertThat(b.next()).isEqualTo(MIN);
        assertThat(b.next().toMillis()).isBetween(MIN.toMillis(), 2 * MIN.toMillis());
    }

    @Test
    void maxBelowMinIsRaisedToMin() {
        Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofMillis(10));
        for (int i = 0; i < 10; i++) {
            assertThat(b.next()).isEqualTo(Duration.ofMillis(500));
        }
    }

    @Test
    void zeroMinimumIsTreatedAsOneMillisecond() {
        Backoff b = new Backoff(Duration.ZERO, Duration.ofMillis(50));
        for (int i = 0; i < 30; i++) {
            assertThat(b.next().toMillis()).isBetween(1L, 50L);
        }
    }

    @Test
    void manyFailuresDoNotOverflow() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));
        for (int i = 0; i < 10_000; i++) {
            assertThat(b.next()).isBetween(Duration.ofSeconds(1), Duration.ofMinutes(5));
        }
    }
}
