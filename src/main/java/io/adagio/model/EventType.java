package io.adagio.model;

/** What an event tells agents: a node became claimable, or a running node lost its agent. */
public enum EventType {
    NODE_READY, NODE_ORPHANED
}
