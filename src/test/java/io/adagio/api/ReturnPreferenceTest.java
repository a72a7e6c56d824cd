package io.adagio.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 7240's {@code return} preference as a finish reads it. */
class ReturnPreferenceTest {
    @Test
    void returnMinimalIsAskedForInAnyOfTheFormsTheRfcAllows() {
        assertThat(ReturnPreference.minimal("return=minimal")).isTrue();
        assertThat(ReturnPreference.minimal("Return = \"minimal\"")).isTrue();
        assertThat(ReturnPreference.minimal("respond-async, wait=10, return=MINIMAL")).isTrue();
        assertThat(ReturnPreference.minimal("return=minimal; foo=\"bar\"")).isTrue();
        assertThat(ReturnPreference.minimal("handling=lenient,return=minimal")).isTrue();
    }

    @Test
    void anythingElseKeepsTheFullAnswer() {
        assertThat(ReturnPreference.minimal(null)).isFalse();
        assertThat(ReturnPreference.minimal("")).isFalse();
        assertThat(ReturnPreference.minimal("return=representation")).isFalse();
        assertThat(ReturnPreference.minimal("respond-async")).isFalse();
        assertThat(ReturnPreference.minimal("minimal")).isFalse();
        assertThat(ReturnPreference.minimal("returns=minimal")).isFalse();
        assertThat(ReturnPreference.minimal("foo; return=minimal")).as("a parameter of another preference").isFalse();
        assertThat(ReturnPreference.minimal("return=representation, return=minimal"))
                .as("the first of a repeated preference counts").isFalse();
    }
}
