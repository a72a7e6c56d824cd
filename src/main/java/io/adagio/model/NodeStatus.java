package io.adagio.model;

/** Where a node is in its life. {@code NONE} means orphaned: it was RUNNING and its agent's lease expired. */
public enum NodeStatus {
    NONE, WAITING, READY, RUNNING, COMPLETED
}
