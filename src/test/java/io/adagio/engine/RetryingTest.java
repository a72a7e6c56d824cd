package io.adagio.engine;

import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Edge;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RetryingTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private final Topology chain = Topology.of(List.of(NodeSpec.of("a", "debug"), NodeSpec.of("b", "debug")),
            List.of(new Edge("a", "b")));

    private static Node done(String name, Conclusion c) {
        return Node.initial(NodeSpec.of(name, "debug"), NodeStatus.READY).claimedBy(Claim.of(name), T0)
                .withAttempt(Result.of(c, name), NodeStatus.COMPLETED, T0);
    }

    /** A plan applied to a node that ran and succeeded since it was made leaves that node as it is. */
    @Test
    void aNodeThatSucceededSinceThePlanWasMadeStands() {
        Map<String, Node> nodes = new LinkedHashMap<>();
        nodes.put("a", done("a", Conclusion.FAIL));
        nodes.put("b", done("b", Conclusion.FAIL).asSkipped(T0));
        Retrying plan = Retrying.ofRun("r", chain, nodes);
        assertThat(plan.reset()).containsExactly("a", "b");
        assertThat(plan.apply(chain, done("a", Conclusion.SUCCESS))).as("ran again and succeeded meanwhile").isEmpty();
        Node a = plan.apply(chain, nodes.get("a")).orElseThrow();
        assertThat(a.status()).isEqualTo(NodeStatus.READY);
        assertThat(a.retryFrom()).isEqualTo(1);
        assertThat(plan.apply(chain, a)).as("applied twice: nothing more").isEmpty();
        Node b = plan.apply(chain, nodes.get("b")).orElseThrow();
        assertThat(b.status()).as("waits for a again").isEqualTo(NodeStatus.WAITING);
        assertThat(b.skipped()).isFalse();
    }
}
