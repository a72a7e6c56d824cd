package io.adagio.agent.http;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SseParserTest {
    private final List<SseParser.Message> messages = new ArrayList<>();
    private final List<Long> retries = new ArrayList<>();

    private SseParser parser(String lastEventId) {
        return new SseParser(lastEventId, messages::add, retries::add);
    }

    private SseParser feed(String... lines) {
        SseParser p = parser(null);
        feed(p, lines);
        return p;
    }

    private static void feed(SseParser p, String... lines) {
        for (String l : lines) {
            p.line(l);
        }
    }

    @Test
    void aBlankLineDispatchesTheMessage() {
        SseParser p = feed("event: NODE_READY", "data: {\"x\":1}", "id: 42");
        assertThat(messages).isEmpty();
        p.line("");
        assertThat(messages).containsExactly(new SseParser.Message("NODE_READY", "{\"x\":1}", "42"));
    }

    @Test
    void multiLineDataIsJoinedWithNewlines() {
        feed("data: first", "data: second", "data:", "data: fourth", "");
        assertThat(messages).singleElement().extracting(SseParser.Message::data).isEqualTo("first\nsecond\n\nfourth");
    }

    @Test
    void eventDefaultsToMessage() {
        feed("data: x", "");
        assertThat(messages).singleElement().extracting(SseParser.Message::event).isEqualTo("message");
    }

    @Test
    void eventTypeDoesNotCarryOverToTheNextMessage() {
        feed("event: NODE_ORPHANED", "data: 1", "", "data: 2", "");
        assertThat(messages).extracting(SseParser.Message::event).containsExactly("NODE_ORPHANED", "message");
    }

    @Test
    void blankLineWithoutDataDispatchesNothingAndDropsTheEventType() {
        feed("event: NODE_READY", "", "data: x", "");
        assertThat(messages).singleElement().extracting(SseParser.Message::event).isEqualTo("message");
    }

    @Test
    void idIsRememberedEvenOnAMessageWithoutData() {
        SseParser p = parser("1");
        feed(p, "id: 7", "");
        assertThat(messages).isEmpty();
        assertThat(p.lastEventId()).isEqualTo("7");
        feed(p, "data: x", "");
        assertThat(messages).singleElement().extracting(SseParser.Message::lastEventId).isEqualTo("7");
    }

    @Test
    void idStaysInForceForLaterMessages() {
        SseParser p = feed("id: 3", "data: a", "", "data: b", "");
        assertThat(messages).extracting(SseParser.Message::lastEventId).containsExactly("3", "3");
        assertThat(p.lastEventId()).isEqualTo("3");
    }

    @Test
    void initialLastEventIdIsUsedUntilAnIdArrives() {
        SseParser p = parser("resume-from");
        feed(p, "data: a", "");
        assertThat(messages).singleElement().extracting(SseParser.Message::lastEventId).isEqualTo("resume-from");
    }

    @Test
    void emptyIdResetsTheLastEventId() {
        SseParser p = parser("5");
        feed(p, "id", "data: x", "");
        assertThat(p.lastEventId()).isEmpty();
        assertThat(messages).singleElement().extracting(SseParser.Message::lastEventId).isEqualTo("");
    }

    @Test
    void idContainingNulIsIgnored() {
        SseParser p = parser("5");
        feed(p, "id: a\0b", "");
        assertThat(p.lastEventId()).isEqualTo("5");
    }

    @Test
    void commentsAreIgnored() {
        SseParser p = feed(": keep-alive", "data: a", ":comment between", "data: b", ":", "");
        assertThat(messages).singleElement().extracting(SseParser.Message::data).isEqualTo("a\nb");
        assertThat(p.lastEventId()).isNull();
        assertThat(retries).isEmpty();
    }

    @Test
    void aCommentAloneDispatchesNothing() {
        feed(": ping", "");
        assertThat(messages).isEmpty();
    }

    @Test
    void retryIsReported() {
        feed("retry: 3000", "retry:250");
        assertThat(retries).containsExactly(3000L, 250L);
        assertThat(messages).isEmpty();
    }

    @Test
    void retryThatIsNotAllDigitsIsIgnored() {
        feed("retry: 3s", "retry: -1", "retry: 1.5", "retry:", "retry: ３");
        assertThat(retries).isEmpty();
    }

    @Test
    void aFieldWithoutAColonHasAnEmptyValue() {
        feed("data", "");
        assertThat(messages).singleElement().extracting(SseParser.Message::data).isEqualTo("");
    }

    @Test
    void unknownFieldsAreIgnored() {
        feed("foo: bar", "foo", "Data: x", "");
        assertThat(messages).isEmpty();
    }

    @Test
    void onlyOneLeadingSpaceIsStripped() {
        feed("data:  two spaces", "");
        assertThat(messages).singleElement().extracting(SseParser.Message::data).isEqualTo(" two spaces");
    }

    @Test
    void noSpaceAfterTheColonIsFine() {
        feed("event:NODE_READY", "data:x", "");
        assertThat(messages).containsExactly(new SseParser.Message("NODE_READY", "x", null));
    }

    @Test
    void onlyTheFirstColonSeparatesNameFromValue() {
        feed("data: a: b:c", "");
        assertThat(messages).singleElement().extracting(SseParser.Message::data).isEqualTo("a: b:c");
    }

    @Test
    void trailingSpacesAreKept() {
        feed("data: x  ", "");
        assertThat(messages).singleElement().extracting(SseParser.Message::data).isEqualTo("x  ");
    }

    @Test
    void anEmptyEventFieldMeansMessage() {
        SseParser p = parser(null);
        p.line("event:");
        p.line("data: x");
        p.line("");
        assertThat(messages).singleElement().extracting(SseParser.Message::event).isEqualTo("message");
    }

    @Test
    void aHugeRetryIsIgnored() {
        SseParser p = parser(null);
        p.line("retry: 99999999999999999999");
        assertThat(retries).isEmpty();
    }
}
