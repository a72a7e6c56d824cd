package io.adagio.repository;

import io.adagio.model.Claim;
import io.adagio.model.MetadataValues;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Eager dispatch: whom a finish claims the children it makes READY for, in the same step, and how many. Only
 * nodes of runtimes the agent registered are claimed, each with a fresh claim id from {@code ids} and the
 * finishing claim recorded in its metadata ({@value #BY}), so that a repeated finish (its answer was lost)
 * answers the same claims instead of leaving them held by nobody's work.
 *
 * <p>With {@code fill}, a backend that can may also claim, in the same step, other READY nodes of the agent's
 * runtimes until it holds {@code max} for it (after those the finish made READY), each claim recording
 * {@code fill} as its request id ({@link Claim#REQUEST_ID}), as a batch claim with that id would: a finish that
 * readies nothing (a fan-out's leaf) then costs one step instead of a finish and a claim. It says so in
 * {@link Finished#filled()}; one that does not leaves the filling to its caller.
 *
 * @param agentId the finishing agent, which must hold the finished node
 * @param max     the most nodes to claim for it (0: none)
 * @param ids     makes the claim id of each node claimed
 * @param fill    the request id of the claims that fill up to {@code max} with any READY node; null: only the
 *                nodes this finish makes READY
 */
public record Dispatch(String agentId, int max, Supplier<String> ids, String fill) {
    /** The claim metadata key naming the finish a dispatched claim came from. */
    public static final String BY = "adagio.dispatched_by";

    /** Claim nothing. */
    public static final Dispatch NONE = new Dispatch(null, 0, null);

    /** Claims only the nodes the finish makes READY. */
    public Dispatch(String agentId, int max, Supplier<String> ids) {
        this(agentId, max, ids, null);
    }

    public Dispatch {
        if (max > 0 && (agentId == null || ids == null)) {
            throw new IllegalArgumentException("dispatching to no agent");
        }
    }

    /** A fresh claim for a node this dispatch claims for the finish of {@code finishing}. */
    public Claim claimFor(String finishing) {
        return new Claim(ids.get(), Map.of(BY, new MetadataValues(List.of(finishing)))).forAgent(agentId);
    }

    /** A fresh claim for a READY node this dispatch claims to fill up to {@code max} (see {@link #fill}). */
    public Claim fillClaim() {
        return Claim.forRequest(ids.get(), fill).forAgent(agentId);
    }

    /** Whether {@code claim} was made by a dispatch of the finish of {@code finishing}. */
    public static boolean madeBy(Claim claim, String finishing) {
        MetadataValues by = claim == null ? null : claim.metadata().get(BY);
        return by != null && by.values().equals(List.of(finishing));
    }
}
