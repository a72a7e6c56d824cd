package io.adagio.model;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeferredTest {

    @Test
    void isWorkedOutWhenFirstAskedForAndOnlyThen() {
        AtomicInteger decodes = new AtomicInteger();
        Deferred<String> d = Deferred.of(() -> "view " + decodes.incrementAndGet());
        assertThat(decodes).hasValue(0);
        assertThat(d.get()).isEqualTo("view 1");
        assertThat(d.get()).isEqualTo("view 1");
        assertThat(decodes).hasValue(1);
    }

    @Test
    void twoAreEqualWhenTheirValuesAre() {
        assertThat(Deferred.of(() -> "a")).isEqualTo(Deferred.known("a")).hasSameHashCodeAs(Deferred.known("a"))
                .isNotEqualTo(Deferred.known("b"));
        assertThat(Deferred.known("a")).hasToString("a");
    }

    @Test
    void aSourceThatAnswersNothingIsABug() {
        assertThatThrownBy(() -> Deferred.of(() -> null).get()).isInstanceOf(NullPointerException.class);
    }
}
