package io.adagio.repository;

import io.adagio.model.NodeStatus;

/** A node to complete by hand that an agent holds (RUNNING) or that has completed; nothing changes. */
public final class NodeNotSkippableException extends RepositoryException {
    private final String runId;
    private final String node;
    private final NodeStatus status;

    public NodeNotSkippableException(String runId, String node, NodeStatus status) {
        super("node " + runId + "/" + node + " is " + status + ": only a node no agent holds and not completed can be "
                + "completed by hand");
        this.runId = runId;
        this.node = node;
        this.status = status;
    }

    public String runId() {
        return runId;
    }

    public String node() {
        return node;
    }

    public NodeStatus status() {
        return status;
    }
}
