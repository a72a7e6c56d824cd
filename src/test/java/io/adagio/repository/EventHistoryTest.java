package io.adagio.repository;

import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.NodeSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bounded history subscribers resume from: in cursor order, each kind bounded on its own, the horizon moved
 * past what was dropped, and a position moving past events a filter does not want.
 */
class EventHistoryTest {
    private static final EventFilter AGENTS = EventFilter.all();

    private static Event ready(String node) {
        return new Event(EventType.NODE_READY, "r", NodeSpec.of(node, "debug"));
    }

    private static Event ready(String node, String runtime) {
        return new Event(EventType.NODE_READY, "r", NodeSpec.of(node, runtime));
    }

    private static List<String> names(EventHistory.Batch b) {
        return b.events().stream().map(e -> e.event().nodeSpec().name()).toList();
    }

    @Test
    void keepsTheLatestEventsOfEachKindUpToItsCapacityAndMovesTheHorizonPastTheDropped() {
        EventHistory h = new EventHistory(3);
        for (int i = 1; i <= 40; i++) {
            h.append(new Cursor(i, 0), ready("n" + i));
        }
        h.append(new Cursor(41, 0), Event.nodeStatus("r", null));

        EventHistory.Batch b = h.after(new Cursor(0, 0), AGENTS, 100);
        assertThat(names(b)).containsExactly("n38", "n39", "n40");
        assertThat(b.position()).isEqualTo(new Cursor(40, 0));
        assertThat(h.horizon(AGENTS)).isEqualTo(new Cursor(37, 0));
        assertThat(h.covers(new Cursor(36, 5), AGENTS)).isFalse();
        assertThat(h.covers(new Cursor(37, 0), AGENTS)).isTrue();
        // the observers' event pushed none of the agents' out, and is in its own part
        assertThat(h.after(new Cursor(0, 0), EventFilter.observing(null), 100).events()).hasSize(1);
        assertThat(h.horizon(EventFilter.observing(null))).isEqualTo(new Cursor(0, 0));
    }

    @Test
    void answersWhatComesAfterAPositionAtMostMaxAtATimeAndMovesPastEventsTheFilterDoesNotWant() {
        EventHistory h = new EventHistory(100);
        h.append(new Cursor(1, 0), ready("a"));
        h.append(new Cursor(1, 1), ready("b", "exec"));
        h.append(new Cursor(2, 0), ready("c"));
        h.append(new Cursor(3, 0), ready("d"));
        h.append(new Cursor(3, 1), ready("e", "exec"));

        EventFilter debug = new EventFilter(Set.of(EventType.NODE_READY), Set.of("debug"));
        EventHistory.Batch first = h.after(new Cursor(1, 0), debug, 1);
        assertThat(names(first)).containsExactly("c");
        assertThat(first.position()).isEqualTo(new Cursor(2, 0));
        EventHistory.Batch rest = h.after(first.position(), debug, 10);
        assertThat(names(rest)).containsExactly("d");
        assertThat(rest.position()).as("past the exec event it does not want").isEqualTo(new Cursor(3, 1));
        assertThat(h.after(rest.position(), debug, 10).events()).isEmpty();
        assertThat(h.after(new Cursor(99, 0), AGENTS, 10).position()).isEqualTo(new Cursor(99, 0));
    }

    @Test
    void anEventOutOfOrderTakesItsPlaceAndOneAtAPositionAlreadyHeldReplacesIt() {
        EventHistory h = new EventHistory(4);
        h.append(new Cursor(1, 0), ready("a"));
        h.append(new Cursor(3, 0), ready("c"));
        h.append(new Cursor(2, 0), ready("b"));
        h.append(new Cursor(3, 0), ready("c2"));
        h.append(new Cursor(4, 0), ready("d"));
        h.append(new Cursor(0, 5), ready("z"));

        assertThat(names(h.after(new Cursor(0, 0), AGENTS, 10))).containsExactly("a", "b", "c2", "d");
        assertThat(h.horizon(AGENTS)).isEqualTo(new Cursor(0, 5));
    }

    @Test
    void keepsItsOrderAcrossTheRingsWrapAndGrowth() {
        EventHistory h = new EventHistory(1000);
        for (int i = 1; i <= 5000; i++) {
            h.append(new Cursor(i, 0), ready("n" + i));
        }
        EventHistory.Batch b = h.after(new Cursor(4500, 0), AGENTS, 1000);
        assertThat(b.events()).hasSize(500);
        assertThat(b.events().get(0).cursor()).isEqualTo(new Cursor(4501, 0));
        assertThat(b.events().get(499).cursor()).isEqualTo(new Cursor(5000, 0));
        assertThat(h.after(new Cursor(0, 0), AGENTS, 5000).events()).hasSize(1000);
        assertThat(h.horizon(AGENTS)).isEqualTo(new Cursor(4000, 0));
    }

    @Test
    void aRestartForgetsEverythingAndStartsTheHorizonAfresh() {
        EventHistory h = new EventHistory(10);
        h.append(new Cursor(1, 0), ready("a"));
        h.restartAt(Cursor.endOf(7));

        assertThat(h.after(new Cursor(0, 0), AGENTS, 10).events()).isEmpty();
        assertThat(h.covers(new Cursor(1, 0), AGENTS)).isFalse();
        h.append(new Cursor(8, 0), ready("b"));
        assertThat(names(h.after(Cursor.endOf(7), AGENTS, 10))).containsExactly("b");
    }
}
