package io.adagio.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DurationsTest {
    @ParameterizedTest(name = "{0} = {1} ns")
    @CsvSource({
            "250ms,       250000000",
            "1.5s,        1500000000",
            "1m30s,       90000000000",
            "2h,          7200000000000",
            "10us,        10000",
            "10µs,        10000",   // U+00B5 micro sign
            "10μs,        10000",   // U+03BC Greek mu
            "7ns,         7",
            "1h2m3s4ms,   3723004000000",
            "0.5m,        30000000000",
    })
    void readsGoDurationStrings(String text, long nanos) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofNanos(nanos));
    }

    @Test
    void aBareIntegerIsGoNanoseconds() {
        assertThat(Durations.parse("1000000")).isEqualTo(Duration.ofMillis(1));
        assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
        assertThat(Durations.parse("1")).isEqualTo(Duration.ofNanos(1));
    }

    @Test
    void surroundingWhitespaceIsIgnored() {
        assertThat(Durations.parse("  250ms ")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse(" 1000000\n")).isEqualTo(Duration.ofMillis(1));
    }

    @ParameterizedTest(name = "\"{0}\" is rejected")
    @ValueSource(strings = {"abc", "5x", "", "   ", "-5", "-5s", "1.5", "s", "ms5", "1..5s", "5 s", "1.2.3ms", "5S", "5Ms"})
    void rejectsWhatIsNotADuration(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse(text));
    }

    @Test
    void rejectsAnIntegerTooLargeForNanoseconds() {
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("99999999999999999999"));
    }

    @org.junit.jupiter.api.Test
    void fractionsAreExactAsInGo() {
        assertThat(Durations.parse("1.001ms")).isEqualTo(Duration.ofNanos(1_001_000));
        assertThat(Durations.parse("1.007ms")).isEqualTo(Duration.ofNanos(1_007_000));
    }

    @org.junit.jupiter.api.Test
    void overflowIsRejectedAsInGo() {
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("9999999999999h"));
    }
}
