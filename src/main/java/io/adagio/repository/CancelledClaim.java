package io.adagio.repository;

/**
 * A claim an agent holds on a node whose run was cancelled: the agent should stop that node (its finish still
 * counts until the cancel's grace ends).
 */
public record CancelledClaim(String runId, String node, String claimId) {
}
