package io.adagio.engine;

import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NodeEventsTest {
    private static final String RUN = "01JRUN0000000000000000000";
    private static final NodeSpec SPEC = NodeSpec.of("a", "debug");

    @Test
    void everyChangeOfStateCausesExactlyTheEventsAnAgentNeeds() {
        List<String> caused = new ArrayList<>();
        List<NodeStatus> befores = new ArrayList<>(Arrays.asList(NodeStatus.values()));
        befores.add(null);
        for (NodeStatus before : befores) {
            for (NodeStatus after : NodeStatus.values()) {
                NodeEvents.of(RUN, SPEC, before, after).ifPresent(e -> {
                    assertThat(e.runId()).isEqualTo(RUN);
                    assertThat(e.nodeSpec()).isEqualTo(SPEC);
                    caused.add(before + ">" + after + "=" + e.type());
                });
            }
        }
        assertThat(caused).containsExactlyInAnyOrder(
                "NONE>READY=NODE_READY", "WAITING>READY=NODE_READY", "RUNNING>READY=NODE_READY",
                "COMPLETED>READY=NODE_READY", "null>READY=NODE_READY",
                "RUNNING>NONE=NODE_ORPHANED");
    }

    @Test
    void theCurrentSetOffersReadyAndOrphanedNodesOnly() {
        List<String> offered = new ArrayList<>();
        for (NodeStatus status : NodeStatus.values()) {
            NodeEvents.offer(RUN, SPEC, status).map(Event::type).ifPresent(t -> offered.add(status + "=" + t));
        }
        assertThat(offered).containsExactlyInAnyOrder("READY=" + EventType.NODE_READY, "NONE=" + EventType.NODE_ORPHANED);
    }
}
