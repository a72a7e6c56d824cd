package io.adagio.control;

import io.adagio.agent.ControlPlane;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.repository.BackendRefusedException;
import io.adagio.repository.BackendUnavailableException;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventSink;
import io.adagio.repository.Finished;
import io.adagio.repository.LeaseNotFoundException;
import io.adagio.repository.NodeNotReadyException;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.StaleClaimException;
import io.adagio.repository.Subscription;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

/**
 * The agent pool's port in process (mode {@code all}): direct calls into the application layer — the same
 * {@link Agents}, {@link Nodes}, {@link ReadyClaims}, {@link BatchFinishes} and event subscriptions the REST
 * controllers use, so the same fencing and the same metrics, its event streams counted and ended with the
 * others — with no HTTP and no JSON. Answers exactly as the HTTP adapter does ({@code ControlPlaneContract}).
 */
public final class LocalControlPlane implements ControlPlane {
    private final Agents agents;
    private final Nodes nodes;
    private final AgentStreams streams;
    private final ReadyClaims readyClaims;
    private final BatchFinishes batchFinishes;

    public LocalControlPlane(Agents agents, Nodes nodes, AgentStreams streams, ReadyClaims readyClaims,
                             BatchFinishes batchFinishes) {
        this.agents = agents;
        this.nodes = nodes;
        this.streams = streams;
        this.readyClaims = readyClaims;
        this.batchFinishes = batchFinishes;
    }

    @Override
    public long register(String agentId, List<String> runtimes) throws Unavailable {
        try {
            return agents.register(agentId, runtimes.stream().map(AgentRuntime::new).toList()).ttl().toSeconds();
        } catch (BackendUnavailableException | InvalidRequestException e) {
            throw new Unavailable("registering " + agentId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean heartbeat(String agentId) throws Unavailable {
        try {
            agents.heartbeat(agentId);
            return true;
        } catch (LeaseNotFoundException e) {
            return false;
        } catch (BackendUnavailableException e) {
            throw new Unavailable("heartbeat of " + agentId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void unregister(String agentId) throws Unavailable {
        try {
            agents.unregister(agentId);
        } catch (BackendUnavailableException e) {
            throw new Unavailable("unregistering " + agentId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ClaimReply claim(String runId, String node, String agentId, String requestId) throws Unavailable {
        try {
            ClaimOutcome out = nodes.claim(runId, node, agentId, io.adagio.model.Claim.of(requestId));
            return out.claimed() ? new ClaimReply.Claimed(runId, out.claim(), out.node()) : new ClaimReply.NotClaimed();
        } catch (LeaseNotFoundException e) {
            return new ClaimReply.NotRegistered();
        } catch (NodeNotReadyException e) {
            return new ClaimReply.Refused("node-not-ready");
        } catch (io.adagio.repository.RunPausedException e) {
            return new ClaimReply.Refused("run-paused");
        } catch (NotFoundException e) {
            return new ClaimReply.Refused(e.kind() + "-not-found");
        } catch (BackendUnavailableException e) {
            throw new Unavailable("claiming " + runId + "/" + node + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Finish finish(String runId, String node, String agentId, String claimId, io.adagio.model.Result result,
                         int next) throws Unavailable {
        try {
            Finished finished = nodes.finish(runId, node, claimId, result, agentId, next);
            return new Finish(true, claimed(finished.next()));
        } catch (StaleClaimException | NotFoundException | InvalidRequestException | TooLargeException
                 | BackendRefusedException e) {
            return new Finish(false, List.of());
        } catch (BackendUnavailableException e) {
            throw new Unavailable("finishing " + runId + "/" + node + ": " + e.getMessage(), e);
        }
    }

    /**
     * Claims through {@link ReadyClaims}; a wait is a future answered by the event subscription or the timer,
     * waited for here. An interrupted wait is {@link Unavailable} (it may still win nodes, which stay on the
     * agent's lease until it ends).
     */
    @Override
    public List<ClaimReply.Claimed> claimBatch(String agentId, int max, Duration wait, String requestId)
            throws Unavailable, NotRegistered, InterruptedException {
        CompletableFuture<List<ClaimOutcome>> answer;
        try {
            answer = readyClaims.claim(agentId, max, wait, requestId);
        } catch (LeaseNotFoundException e) {
            throw new NotRegistered(agentId);
        } catch (InvalidRequestException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (BackendUnavailableException e) {
            throw new Unavailable("claiming for " + agentId + ": " + e.getMessage(), e);
        }
        try {
            return claimed(answer.get());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof LeaseNotFoundException) {
                throw new NotRegistered(agentId);
            }
            throw new Unavailable("claiming for " + agentId + ": " + e.getCause(), e.getCause());
        }
    }

    @Override
    public Finishes finishBatch(String agentId, List<Finishing> finishes, int next)
            throws Unavailable, NotRegistered, Refused {
        List<BatchFinishes.Item> items = finishes.stream()
                .map(f -> new BatchFinishes.Item(f.runId(), f.node(), f.claimId(), f.result())).toList();
        BatchFinishes.Answer answer;
        try {
            answer = batchFinishes.finish(agentId, items, next);
        } catch (LeaseNotFoundException e) {
            throw new NotRegistered(agentId);
        } catch (InvalidRequestException e) {
            throw new Refused("invalid-request", e.getMessage());
        } catch (TooLargeException e) {
            throw new Refused("payload-too-large", e.getMessage());
        } catch (BackendRefusedException e) {
            throw new Refused(e.reason() == BackendRefusedException.Reason.TOO_LARGE ? "payload-too-large"
                    : e.reason() == BackendRefusedException.Reason.NO_SPACE ? "backend-full" : "internal-error",
                    e.getMessage());
        } catch (BackendUnavailableException e) {
            throw new Unavailable("finishing for " + agentId + ": " + e.getMessage(), e);
        }
        List<Outcome> outcomes = new ArrayList<>(answer.results().size());
        for (BatchFinishes.Outcome o : answer.results()) {
            outcomes.add(switch (o.outcome()) {
                case "finished" -> Outcome.FINISHED;
                case "stale" -> Outcome.STALE;
                default -> Outcome.NOT_FOUND;
            });
        }
        return new Finishes(outcomes, claimed(answer.next()), answer.cancelled().stream()
                .map(c -> new Cancelled(c.runId(), c.node(), c.claimId())).toList());
    }

    @Override
    public List<ClaimReply.Claimed> claimedFor(String agentId, String requestId) throws Unavailable, NotRegistered {
        try {
            return claimed(readyClaims.held(agentId, requestId));
        } catch (LeaseNotFoundException e) {
            throw new NotRegistered(agentId);
        } catch (InvalidRequestException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (BackendUnavailableException e) {
            throw new Unavailable("listing the claims of " + agentId + ": " + e.getMessage(), e);
        }
    }

    private static List<ClaimReply.Claimed> claimed(List<ClaimOutcome> won) {
        return won.stream().map(c -> new ClaimReply.Claimed(c.runId(), c.claim(), c.node())).toList();
    }

    /**
     * Follows the agent's events as an open stream of {@link AgentStreams} (counted, ended when the agent
     * unregisters or the service stops, like a stream over HTTP); interrupting the calling thread ends it.
     */
    @Override
    public void follow(String agentId, List<String> runtimes, String lastPosition, Listener listener)
            throws Unavailable, InterruptedException {
        Agent agent;
        try {
            agent = agents.register(agentId, runtimes.stream().map(AgentRuntime::new).toList()).agent();
        } catch (BackendUnavailableException | InvalidRequestException e) {
            throw new Unavailable("registering " + agentId + ": " + e.getMessage(), e);
        }
        Cursor after;
        try {
            after = lastPosition == null ? null : Cursor.parse(lastPosition);
        } catch (IllegalArgumentException e) {
            after = null;
        }
        InProcessStream stream = new InProcessStream(agentId, listener);
        Subscription subscription = streams.open(agent, EventType.forAgents(), after, stream);
        try {
            stream.ended.await();
        } finally {
            subscription.close();
            streams.remove(stream);
        }
    }

    /** An agent's event stream in this process: events go straight to the agent's listener. */
    private static final class InProcessStream implements AgentStreams.Stream, EventSink {
        private final String agentId;
        private final Listener listener;
        private final CountDownLatch ended = new CountDownLatch(1);

        InProcessStream(String agentId, Listener listener) {
            this.agentId = agentId;
            this.listener = listener;
        }

        @Override
        public String agentId() {
            return agentId;
        }

        /** Nothing to keep alive in process: events are calls, which never block. */
        @Override
        public void ping() {
        }

        @Override
        public long writingSince() {
            return 0;
        }

        @Override
        public boolean isOpen() {
            return ended.getCount() > 0;
        }

        @Override
        public void complete() {
            ended.countDown();
        }

        @Override
        public void onSnapshot(Cursor position, List<Event> current, boolean reset) {
            if (reset) {
                listener.onReset(position.toString());
            }
            if (current.isEmpty()) {
                listener.onPosition(position.toString());
            }
            for (int i = 0; i < current.size(); i++) {
                listener.onEvent(current.get(i), i == current.size() - 1 ? position.toString() : null);
            }
        }

        @Override
        public void onEvent(CursoredEvent event) {
            listener.onEvent(event.event(), event.cursor().toString());
        }

        @Override
        public void onClose() {
            complete();
        }
    }
}
