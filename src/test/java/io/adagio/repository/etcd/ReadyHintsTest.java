package io.adagio.repository.etcd;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ReadyHintsTest {
    private static Keys.NodeRef ref(int i) {
        return new Keys.NodeRef("run", "n" + i);
    }

    @Test
    void aTakeHandsEachHintOnceFromTheOldestItAcceptsAndLeavesTheRefused() {
        ReadyHints hints = new ReadyHints();
        for (int i = 0; i < 40; i++) {
            hints.add(ref(i));
        }
        hints.remove(ref(3));
        Set<Keys.NodeRef> taken = new HashSet<>();
        List<Keys.NodeRef> first = hints.take(5, r -> !r.name().equals("n0"));
        assertThat(first).hasSize(5).doesNotContain(ref(0), ref(3));
        assertThat(first).allSatisfy(r -> assertThat(Integer.parseInt(r.name().substring(1)))
                .as("among the oldest 16 it accepts").isLessThanOrEqualTo(17));
        taken.addAll(first);
        while (true) {
            List<Keys.NodeRef> more = hints.take(7, r -> !r.name().equals("n0"));
            if (more.isEmpty()) {
                break;
            }
            assertThat(more).allSatisfy(r -> assertThat(taken.add(r)).as("taken once: " + r).isTrue());
        }
        assertThat(taken).as("all but the removed and the refused").hasSize(38);
        assertThat(hints.size()).isEqualTo(1);
        assertThat(hints.take(1, r -> true)).containsExactly(ref(0));
    }

    @Test
    void itHoldsAtMostItsCapacity() {
        ReadyHints hints = new ReadyHints();
        for (int i = 0; i < ReadyHints.CAPACITY + 10; i++) {
            hints.add(ref(i));
        }
        assertThat(hints.size()).isEqualTo(ReadyHints.CAPACITY);
        assertThat(hints.take(0, r -> true)).isEmpty();
    }
}
