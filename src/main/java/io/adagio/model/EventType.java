package io.adagio.model;

/**
 * What an event tells agents: a node became claimable (NODE_READY), a running node lost its agent
 * (NODE_ORPHANED), or a running node's run was cancelled: its holder should stop it (NODE_CANCELLED, naming the
 * holder).
 */
public enum EventType {
    NODE_READY, NODE_ORPHANED, NODE_CANCELLED
}
