package io.adagio.repository;

/** A claim named a WAITING node: its upstream has not completed. */
public final class NodeNotReadyException extends RepositoryException {
    private final String runId;
    private final String node;

    public NodeNotReadyException(String runId, String node) {
        super("Node " + node + " of run " + runId + " is waiting on its upstream nodes.");
        this.runId = runId;
        this.node = node;
    }

    public String runId() {
        return runId;
    }

    public String node() {
        return node;
    }
}
