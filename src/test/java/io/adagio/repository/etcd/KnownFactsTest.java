package io.adagio.repository.etcd;

import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class KnownFactsTest {
    private static NodeFacts ready(String run, String name, long revision) {
        return new NodeFacts(run, Node.initial(NodeSpec.of(name, "debug"), NodeStatus.READY), revision,
                Map.of(NodeStatus.READY, revision), 0);
    }

    @Test
    void aFactIsTakenOnceAndTheOldestGoBeyondTheCapacity() {
        KnownFacts known = new KnownFacts();
        for (int i = 0; i <= KnownFacts.CAPACITY; i++) {
            known.put(ready("r", "n" + i, i + 1));
        }
        assertThat(known.size()).isEqualTo(KnownFacts.CAPACITY);
        assertThat(known.take(new Keys.NodeRef("r", "n0"))).as("the oldest went").isNull();
        NodeFacts last = known.take(new Keys.NodeRef("r", "n" + KnownFacts.CAPACITY));
        assertThat(last.nodeRevision()).isEqualTo(KnownFacts.CAPACITY + 1L);
        assertThat(known.take(new Keys.NodeRef("r", "n" + KnownFacts.CAPACITY))).as("used once").isNull();
    }

    @Test
    void readyNodesSetAsideForAnAgentAreHandedToItOnceWithTheirFacts() {
        KnownFacts known = new KnownFacts();
        known.reserve("agent-1", List.of(ready("r", "a", 7), ready("r", "b", 7)));
        assertThat(known.reservedFor("agent-2")).isEmpty();
        List<Keys.NodeRef> mine = known.reservedFor("agent-1");
        assertThat(mine).containsExactly(new Keys.NodeRef("r", "a"), new Keys.NodeRef("r", "b"));
        assertThat(known.reservedFor("agent-1")).as("handed once").isEmpty();
        assertThat(known.take(mine.get(1)).stateRevisions()).isEqualTo(Map.of(NodeStatus.READY, 7L));
    }
}
