package io.adagio.control;

import io.adagio.model.Node;
import io.adagio.model.Result;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Finished;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.StaleClaimException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Several finishes of one agent in one call (protocol v2), each answered on its own, and up to {@code next}
 * new claims in the answer: first the nodes the finishes make READY (eager dispatch), then other READY nodes
 * of the agent's runtimes. Renews the agent's lease.
 */
public final class BatchFinishes {
    /** The most finishes one call carries. */
    public static final int MAX_BATCH = 1000;

    private final Agents agents;
    private final Nodes nodes;
    private final ReadyClaims claims;

    public BatchFinishes(Agents agents, Nodes nodes, ReadyClaims claims) {
        this.agents = agents;
        this.nodes = nodes;
        this.claims = claims;
    }

    /** One finish of the batch. */
    public record Item(String runId, String node, String claimId, Result result) {
    }

    /** How one finish went: {@code finished} (with the node), {@code stale} or {@code not_found}. */
    public record Outcome(String runId, String node, String outcome, Node finished) {
    }

    /**
     * The answers, in the order of the finishes, the new claims, and the claims the agent holds whose run was
     * cancelled (stop those nodes).
     */
    public record Answer(List<Outcome> results, List<ClaimOutcome> next,
                         List<io.adagio.repository.CancelledClaim> cancelled) {
    }

    /**
     * @throws InvalidRequestException            when there are no or too many finishes, or {@code next} is out
     *                                            of range, or a finish names no claim; nothing is finished
     * @throws TooLargeException                  when a finish's output is larger than the limit; nothing is
     *                                            finished
     * @throws io.adagio.repository.LeaseNotFoundException when the agent holds no live lease
     */
    public Answer finish(String agentId, List<Item> items, int next) {
        if (items == null || items.isEmpty() || items.size() > MAX_BATCH) {
            throw new InvalidRequestException("finishes must hold 1 to " + MAX_BATCH + " results.",
                    Map.of("field", "finishes"));
        }
        if (next < 0 || next > ReadyClaims.MAX_BATCH) {
            throw new InvalidRequestException("next must be between 0 and " + ReadyClaims.MAX_BATCH + ".",
                    Map.of("field", "next"));
        }
        for (Item i : items) {
            if (i.runId() == null || i.node() == null || i.claimId() == null || i.claimId().isBlank()) {
                throw new InvalidRequestException("every finish needs run_id, node and claim.id.",
                        Map.of("field", "finishes"));
            }
            nodes.check(i.result());
        }
        agents.touch(agentId);
        List<Outcome> results = new ArrayList<>();
        List<ClaimOutcome> claimed = new ArrayList<>();
        java.util.Map<String, io.adagio.repository.CancelledClaim> cancelled = new java.util.LinkedHashMap<>();
        boolean resent = false;
        boolean filled = false;
        // named after this batch's first claim (each claim finishes once), so that the same batch sent again
        // after a lost answer is answered the same claims, not new ones held by an agent that never knew
        String request = "finishes:" + items.get(0).claimId();
        for (int k = 0; k < items.size(); k++) {
            Item i = items.get(k);
            // the last finish may fill up with any READY node in its own step, unless this batch was sent
            // before (then the claims of its first sending are looked up below instead)
            String fill = k == items.size() - 1 && !resent ? request : null;
            try {
                Finished f = nodes.finish(i.runId(), i.node(), i.claimId(), i.result(), agentId, next - claimed.size(),
                        fill);
                filled = f.filled();
                claimed.addAll(f.next());
                f.cancelled().forEach(c -> cancelled.put(c.claimId(), c));
                resent |= f.repeated();
                results.add(new Outcome(i.runId(), i.node(), "finished", f.node()));
            } catch (StaleClaimException e) {
                // a batch sent again after a lost answer can find its node stale: held by a claim this very batch
                // made (a retried node claimed again by its fill-up), so its claims are looked up then too
                resent = true;
                results.add(new Outcome(i.runId(), i.node(), "stale", null));
            } catch (NotFoundException e) {
                results.add(new Outcome(i.runId(), i.node(), "not_found", null));
            }
        }
        if (claimed.size() < next && !filled) {
            if (resent) {
                claims.held(agentId, request).stream().limit(next - claimed.size()).forEach(claimed::add);
            }
            if (claimed.size() < next) {
                claimed.addAll(claims.claim(agentId, next - claimed.size(), Duration.ZERO, request).join());
            }
        }
        items.forEach(i -> cancelled.remove(i.claimId())); // finished in this very batch
        return new Answer(results, claimed, List.copyOf(cancelled.values()));
    }
}
