package io.adagio.engine;

import io.adagio.model.Conclusion;
import io.adagio.model.NodeStatus;
import io.adagio.model.NodeView;
import io.adagio.model.RunOutcome;
import io.adagio.model.RunStatus;
import io.adagio.model.RunView;
import io.adagio.model.Stats;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A run's status, outcome and pause kept up to date from its nodes' changes, one node at a time: what an observer
 * stream derives its {@code RUN_STATUS} events from. It decides exactly as {@link RunVerdict} and
 * {@link Pausing#isPaused} do over all of a run's nodes, in constant time per change. Pure; not thread-safe.
 */
public final class RunTally {
    private final Map<String, NodeView> nodes = new HashMap<>();
    private final long[] byStatus = new long[NodeStatus.values().length];
    private long untouched;
    private long cancelled;
    private long failed;
    private long paused;
    private RunView last;

    /** A tally of a run whose nodes are {@code views} now. */
    public RunTally(Collection<NodeView> views) {
        views.forEach(v -> add(v, 1));
        last = view();
    }

    /**
     * A node changed: it is {@code next} now.
     *
     * @return the run's new view when its status, outcome, pause or node counts changed
     */
    public Optional<RunView> apply(NodeView next) {
        NodeView before = nodes.get(next.name());
        if (before == null) {
            return Optional.empty(); // not a node of this run
        }
        add(before, -1);
        add(next, 1);
        RunView now = view();
        if (now.equals(last)) {
            return Optional.empty();
        }
        last = now;
        return Optional.of(now);
    }

    /** The run as its nodes say now. */
    public RunView view() {
        long all = nodes.size();
        long completed = byStatus[NodeStatus.COMPLETED.ordinal()];
        RunStatus status = completed == all ? RunStatus.COMPLETED : untouched == all ? RunStatus.WAITING : RunStatus.RUNNING;
        RunOutcome outcome = cancelled > 0 ? RunOutcome.CANCELLED : failed > 0 ? RunOutcome.FAILED
                : completed == all ? RunOutcome.SUCCEEDED : null;
        return new RunView(status, outcome, paused > 0, new Stats.NodeCounts(byStatus[NodeStatus.WAITING.ordinal()],
                byStatus[NodeStatus.READY.ordinal()], byStatus[NodeStatus.RUNNING.ordinal()], completed,
                byStatus[NodeStatus.NONE.ordinal()]));
    }

    private void add(NodeView v, int sign) {
        if (sign > 0) {
            nodes.put(v.name(), v);
        }
        byStatus[v.status().ordinal()] += sign;
        boolean completed = v.status() == NodeStatus.COMPLETED;
        if ((v.status() == NodeStatus.WAITING || v.status() == NodeStatus.READY) && v.attempts() == 0) {
            untouched += sign;
        }
        if (v.cancelled()) {
            cancelled += sign;
        }
        if (completed && !v.skipped() && v.conclusion() != Conclusion.SUCCESS) {
            failed += sign;
        }
        if (v.paused() && !completed) {
            paused += sign;
        }
    }
}
