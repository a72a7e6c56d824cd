package io.adagio.repository;

import io.adagio.model.Agent;
import io.adagio.model.Claim;
import io.adagio.model.Node;
import io.adagio.model.Result;
import io.adagio.model.Run;
import io.adagio.model.Stats;

import java.time.Duration;
import java.util.List;

/**
 * The storage port: everything the control plane and agents do to runs, nodes and agents. Every
 * implementation passes {@code RepositoryContract}. Decisions come from {@code io.adagio.engine}; an
 * implementation reads facts, asks the engine, and applies the answer atomically.
 *
 * <p>Every method may throw {@link BackendUnavailableException} when the store cannot be reached in time;
 * it never blocks without bound.
 */
public interface Repository {

    /**
     * Stores a new run made by {@code RunFactory} from a validated graph. All of it becomes visible at once:
     * a reader sees the whole run or nothing. Its READY roots are published as NODE_READY events.
     *
     * @return the stored run
     */
    Run startRun(Run run);

    /**
     * {@link #startRun(Run)}, unless a run was started with the same key: then, when it was the same graph, that
     * run, and nothing is stored. Of any number of concurrent starts with one key (on any replica) exactly one
     * stores its run; the others answer it.
     *
     * @throws IdempotencyConflictException when the key started a run of another graph; nothing is stored
     */
    Started startRun(Run run, StartKey key);

    /**
     * The run with every node in its current state; status and outcome derived from the nodes.
     *
     * @throws NotFoundException when no such run exists
     */
    Run inspectRun(String runId);

    /**
     * The run as {@link #inspectRun} answers it, read at one point of the event history, and that point: a
     * subscriber from {@link RunObservation#position} gets the NODE_STATUS events of exactly the changes since.
     *
     * @throws NotFoundException when no such run exists
     */
    RunObservation observeRun(String runId);

    /**
     * Deletes a completed run with everything stored for it (its nodes, their states, its idempotency key, which
     * may then start a new run): it is no longer found, listed or counted. Other readers see it whole or not at all.
     *
     * @throws NotFoundException       when no such run exists (also when it was just deleted: deleting is idempotent
     *                                 in effect)
     * @throws RunNotFinishedException when the run has not completed; nothing changes
     */
    void deleteRun(String runId);

    /**
     * Cancels a run: nothing of it is claimed from then on; its WAITING, READY and orphaned nodes complete at once,
     * marked cancelled ({@link io.adagio.engine.Cancellation}); each RUNNING node is marked, and its holder told
     * (a NODE_CANCELLED event naming it); what is still RUNNING after {@code grace} is completed cancelled by the
     * backend itself, its claim fenced off (any replica, idempotently; {@code grace} zero: at once, before this
     * returns). The run's outcome is CANCELLED from this call on. Cancelling a cancelled run again changes
     * nothing but may shorten its grace.
     *
     * @return the run after the cancel reached every node
     * @throws RunEndedException when the run had completed otherwise (SUCCEEDED or FAILED); nothing changes
     * @throws NotFoundException when no such run exists
     */
    Run cancelRun(String runId, Duration grace);

    /**
     * Pauses a run ({@link io.adagio.engine.Pausing}): from this call on none of its nodes is claimed (a claim is
     * {@link RunPausedException}) or offered; its READY nodes wait (WAITING: on etcd their ready keys are
     * withdrawn); nodes that would become READY (a retry, a child of a finish) wait too; RUNNING nodes run on.
     * Pausing a paused run changes nothing.
     *
     * @return the run, {@code paused}
     * @throws RunEndedException when the run has completed; nothing changes
     * @throws NotFoundException when no such run exists
     */
    Run pauseRun(String runId);

    /**
     * Resumes a paused run: its nodes that waited for it become READY (and are announced), the rest go on as
     * before. Resuming a run that is not paused changes nothing.
     *
     * @return the run, not {@code paused}
     * @throws NotFoundException when no such run exists
     */
    Run resumeRun(String runId);

    /**
     * Retries a run in place ({@link io.adagio.engine.Retrying}): with no {@code nodes}, a run that ended FAILED or
     * CANCELLED gets its failed, skipped and cancelled nodes back; with {@code nodes}, those (each failed, skipped or
     * cancelled) and what is downstream of them come back, also in a run still running. Attempts are kept; the
     * nodes' retry rules count from the retry on. A cancel whose grace had not ended is forgotten.
     *
     * @param nodes the nodes to retry; null or empty for the whole run
     * @return the run after the retry
     * @throws io.adagio.engine.Retrying.RefusedException when the run or a node cannot be retried; nothing changes
     * @throws NotFoundException when the run or a named node does not exist
     */
    Run retryRun(String runId, List<String> nodes);

    /**
     * One node of a run in its current state.
     *
     * @throws NotFoundException when the run or the node does not exist
     */
    Node inspectNode(String runId, String name);

    /**
     * Whether every node of the run is COMPLETED. Cheap (no node is read), so it can follow every finish.
     *
     * @throws NotFoundException when no such run exists
     */
    boolean isRunCompleted(String runId);

    /** Runs created within the query's time range, newest first (descending id), at most {@code limit}. */
    default List<Run> listRuns(RunQuery query) {
        return findRuns(query).runs();
    }

    /**
     * The runs of the query, newest first (descending id), at most {@code limit}, passing its filters; with a
     * filter, at most {@link RunQuery#SCAN_BUDGET} runs are looked at per call. {@link RunPage#next} says where
     * the next page begins whenever runs may be left (the page is full, or the budget was used up).
     */
    RunPage findRuns(RunQuery query);

    /** The run count and node counts by state, read at one point in time. */
    Stats stats();

    /** The agents whose leases live now. */
    List<Agent> listAgents();

    /**
     * Registers an agent (or re-registers it with new runtimes) and gives it a fresh lease of {@code ttl}.
     * A re-registration keeps the nodes the agent holds attached to its lease.
     */
    AgentLease registerAgent(Agent agent, Duration ttl);

    /**
     * Renews the agent's lease for another TTL.
     *
     * @throws LeaseNotFoundException when the lease is gone: the agent must register again
     */
    AgentLease heartbeat(String agentId);

    /**
     * Ends the agent's lease now (idempotent). Nodes it holds RUNNING are orphaned, exactly as if it had died.
     */
    void unregisterAgent(String agentId);

    /**
     * Claims a node for an agent. Exactly one of any number of concurrent claims on a claimable (READY or
     * orphaned) node wins; the node's RUNNING state then lives on the agent's lease. A claim carrying the same
     * request id ({@link Claim#requestId}) as the claim by which this agent holds the node now is a retry whose
     * answer was lost: it answers that claim, changing nothing.
     *
     * @return claimed with the RUNNING node (inputs and earlier attempts filled in), or not claimed when the
     *         node is RUNNING or COMPLETED
     * @throws NodeNotReadyException  when the node is WAITING
     * @throws RunPausedException     when its run is paused (and the node not RUNNING or COMPLETED)
     * @throws NotFoundException      when the run or node does not exist
     * @throws LeaseNotFoundException when the agent holds no live lease
     */
    ClaimOutcome claimNode(String runId, String name, String agentId, Claim claim);

    /**
     * Claims up to {@code max} READY nodes of runtimes the agent registered, oldest READY first, each with a
     * claim from {@code claims}; each node exactly once across concurrent callers and replicas (not
     * all-or-nothing: it answers what it won, possibly nothing). Orphaned nodes are not taken here (they are
     * offered by NODE_ORPHANED events, to be finished ERROR "node was orphaned").
     *
     * @return the claims won, each with its RUNNING node
     * @throws LeaseNotFoundException when the agent holds no live lease
     */
    java.util.List<ClaimOutcome> claimReady(String agentId, int max, java.util.function.Supplier<Claim> claims);

    /**
     * The nodes the agent holds now (RUNNING on its live lease) whose claims were made for {@code requestId}
     * ({@link Claim#requestId}): what a claim request made before its answer was lost, so that the same request
     * sent again can be answered the same claims instead of leaving them held by nobody's work.
     *
     * @return those claims, each with its RUNNING node; empty when there are none (or the agent has no lease)
     */
    java.util.List<ClaimOutcome> heldFor(String agentId, String requestId);

    /**
     * Finishes the node held by {@code claimId} with a result: the attempt is recorded and the engine's rules
     * applied (children READY, retry, or downstream skipped). The finished node changes atomically and is fenced
     * by the claim; its effect on other nodes is applied before this returns, and on a backend that must split a
     * large finish into several transactions it is recorded first and completed by any replica if this one dies.
     * Repeating a finish with the same claim and an identical result changes nothing and answers the node as it
     * is. With a {@link Dispatch}, up to {@code next.max()} nodes this finish made READY (its children) whose
     * runtime the agent offers are claimed for it, in the same step where the
     * backend can (then they are never announced as READY), else right after (a node someone else claimed first
     * is skipped); a backend that splits a large finish may claim fewer.
     *
     * @throws StaleClaimException when the claim does not hold the node, or the dispatch names an agent that is
     *                             not its holder; nothing changes
     * @throws NotFoundException   when the run or node does not exist
     */
    Finished finishNode(String runId, String name, String claimId, Result result, Dispatch next);

    /**
     * A person completes a node no agent holds (WAITING, READY or orphaned) with {@code output}: it gets a SUCCESS
     * attempt marked by hand and its dependents proceed, as after a finish. Races with claims as a claim does: of
     * a claim and this, exactly one wins. The same completion again (same output) answers the node as it is.
     *
     * @return as a finish: the completed node (without inputs), whether this completed the run (true for exactly
     *         one of its finishes), whether it repeated an earlier identical completion
     * @throws NodeNotSkippableException when an agent holds the node or it has completed; nothing changes
     * @throws NotFoundException         when the run or node does not exist
     */
    Finished completeByHand(String runId, String name, byte[] output);

    /**
     * The claims the agent holds whose run was cancelled (RUNNING nodes its cancel reached): what it should stop.
     * Cheap (at most one read).
     */
    List<CancelledClaim> cancelledFor(String agentId);

    /** {@link #finishNode(String, String, String, Result, Dispatch)} without eager dispatch; answers the node. */
    default Node finishNode(String runId, String name, String claimId, Result result) {
        return finishNode(runId, name, claimId, result, Dispatch.NONE).node();
    }

    /**
     * Subscribes to events matching {@code filter}. With no cursor the sink first gets the current set (for an
     * observer's filter, {@link EventFilter#observes}: nothing), then
     * live events. With a cursor still within the retained history it gets exactly the events after it, in
     * order, none repeated; with an older one it gets a snapshot marked {@code reset}, then live events.
     * Delivery is asynchronous and never blocks the store or other subscribers.
     *
     * @param after the last cursor the subscriber saw, or null
     */
    Subscription subscribe(EventFilter filter, Cursor after, EventSink sink);
}
