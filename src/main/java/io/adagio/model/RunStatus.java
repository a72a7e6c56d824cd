package io.adagio.model;

/** WAITING until a node is claimed, RUNNING while work remains, COMPLETED when every node is. */
public enum RunStatus {
    WAITING, RUNNING, COMPLETED
}
