package io.adagio.model;

import java.util.EnumSet;
import java.util.Set;

/**
 * What an event tells. To agents: a node became claimable (NODE_READY), a running node lost its agent
 * (NODE_ORPHANED), or a running node's run was cancelled: its holder should stop it (NODE_CANCELLED, naming the
 * holder). To observers (UIs, CLIs, scripts): a node's state or markers changed (NODE_STATUS), a run's status,
 * outcome or pause changed (RUN_STATUS).
 */
public enum EventType {
    NODE_READY, NODE_ORPHANED, NODE_CANCELLED, NODE_STATUS, RUN_STATUS;

    /** The types of an agent's stream. */
    public static Set<EventType> forAgents() {
        return EnumSet.of(NODE_READY, NODE_ORPHANED, NODE_CANCELLED);
    }

    /** Whether observers get events of this type (and agents do not). */
    public boolean observed() {
        return this == NODE_STATUS || this == RUN_STATUS;
    }
}
