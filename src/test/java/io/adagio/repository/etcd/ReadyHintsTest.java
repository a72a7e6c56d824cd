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

    private static NodeFacts facts(Keys.NodeRef ref, long revision) {
        return new NodeFacts(ref.runId(), io.adagio.model.Node.initial(io.adagio.model.NodeSpec.of(ref.name(), "debug"),
                io.adagio.model.NodeStatus.READY), revision, java.util.Map.of(io.adagio.model.NodeStatus.READY, revision), 0);
    }

    @Test
    void theFactsSeenWithAHintAreHandedOnceAndGoWithItsReadyKey() {
        ReadyHints hints = new ReadyHints();
        int[] decoded = {0};
        hints.seen(ref(1), () -> {
            decoded[0]++;
            return facts(ref(1), 7);
        }, 100);
        hints.seen(ref(2), () -> facts(ref(2), 8), 100);
        hints.add(ref(3));
        assertThat(decoded[0]).as("decoded when used, not when seen").isZero();
        assertThat(hints.take(3, r -> true)).containsExactlyInAnyOrder(ref(1), ref(2), ref(3));
        assertThat(hints.factsOf(ref(1))).satisfies(f -> assertThat(f.nodeRevision()).isEqualTo(7));
        assertThat(hints.factsOf(ref(1))).as("handed once").isNull();
        assertThat(hints.factsOf(ref(3))).as("a hint without facts").isNull();
        hints.remove(ref(2)); // its ready key went: what was seen no longer holds
        assertThat(hints.factsOf(ref(2))).isNull();
        assertThat(decoded[0]).isEqualTo(1);
        assertThat(hints.factBytes()).as("nothing held once handed or gone").isZero();
    }

    @Test
    void itKeepsTheFactsOfAtMostItsFactsCapacityTheOldestGoingFirst() {
        ReadyHints hints = new ReadyHints();
        for (int i = 0; i < ReadyHints.FACTS + 10; i++) {
            Keys.NodeRef r = ref(i);
            hints.seen(r, () -> facts(r, 1), 10);
        }
        assertThat(hints.size()).as("the hints stay").isEqualTo(ReadyHints.FACTS + 10);
        assertThat(hints.factsOf(ref(0))).as("the oldest facts went").isNull();
        assertThat(hints.factsOf(ref(ReadyHints.FACTS + 9))).isNotNull();
    }

    @Test
    void itHoldsAtMostItsBudgetOfValueBytesTheOldestFactsGoingFirst() {
        ReadyHints hints = new ReadyHints();
        long quarter = ReadyHints.FACT_BYTES / 4;
        for (int i = 0; i < 6; i++) {
            Keys.NodeRef r = ref(i);
            hints.seen(r, () -> facts(r, 1), quarter);
        }
        assertThat(hints.factBytes()).isEqualTo(ReadyHints.FACT_BYTES);
        assertThat(hints.factsOf(ref(1))).as("the oldest two went").isNull();
        assertThat(hints.factsOf(ref(2))).isNotNull();
        Keys.NodeRef huge = ref(9);
        hints.seen(huge, () -> facts(huge, 1), ReadyHints.FACT_BYTES + 1);
        assertThat(hints.factsOf(huge)).as("larger than the budget: hinted without its facts").isNull();
        assertThat(hints.take(10, r -> true)).as("every hint stays").hasSize(7);
    }
}
