package io.adagio.repository;

/** A finish carried a claim that does not hold the node (any more). Nothing was changed. */
public final class StaleClaimException extends RepositoryException {
    private final String runId;
    private final String node;
    private final String claimId;

    public StaleClaimException(String runId, String node, String claimId) {
        super("Claim " + claimId + " does not hold node " + node + " of run " + runId + ".");
        this.runId = runId;
        this.node = node;
        this.claimId = claimId;
    }

    public String runId() {
        return runId;
    }

    public String node() {
        return node;
    }

    public String claimId() {
        return claimId;
    }
}
