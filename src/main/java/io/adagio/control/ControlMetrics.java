package io.adagio.control;

import io.adagio.model.Conclusion;
import io.adagio.model.NodeStatus;
import io.adagio.model.RunOutcome;
import io.adagio.repository.Repository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Map;

/** The adagio metrics the control plane records (exposed at /actuator/prometheus). */
public final class ControlMetrics {
    // every counter found once: a registry lookup builds and sorts tags per call (~3 a node)
    private final Map<Conclusion, Counter> finishes;
    private final Map<NodeStatus, Counter> transitions;
    private final Map<RunOutcome, Counter> runsFinished;
    private final Counter won;
    private final Counter lost;
    private final Counter stale;
    private final Counter started;

    public ControlMetrics(MeterRegistry registry, Repository repository) {
        this.finishes = byValue(registry, "adagio.finishes", "conclusion", Conclusion.class);
        this.transitions = byValue(registry, "adagio.node.transitions", "to", NodeStatus.class);
        this.runsFinished = byValue(registry, "adagio.runs.finished", "outcome", RunOutcome.class);
        Gauge.builder("adagio.agents", repository, r -> r.listAgents().size()).description("Registered agents").register(registry);
        this.won = Counter.builder("adagio.claims").tag("result", "won").description("Claims by result").register(registry);
        this.lost = Counter.builder("adagio.claims").tag("result", "lost").description("Claims by result").register(registry);
        this.stale = Counter.builder("adagio.finishes.stale").description("Finishes rejected for a stale claim").register(registry);
        this.started = Counter.builder("adagio.runs.started").description("Runs started").register(registry);
    }

    void claim(boolean claimed) {
        (claimed ? won : lost).increment();
        if (claimed) {
            transition(NodeStatus.RUNNING);
        }
    }

    void finished(Conclusion conclusion, NodeStatus now) {
        finishes.get(conclusion).increment();
        transition(now);
    }

    void transition(NodeStatus to) {
        transitions.get(to).increment();
    }

    void runFinished(RunOutcome outcome) {
        runsFinished.get(outcome).increment();
    }

    private static <E extends Enum<E>> Map<E, Counter> byValue(MeterRegistry registry, String name, String tag,
                                                               Class<E> values) {
        Map<E, Counter> counters = new EnumMap<>(values);
        for (E v : values.getEnumConstants()) {
            counters.put(v, registry.counter(name, tag, v.name()));
        }
        return counters;
    }

    void staleFinish() {
        stale.increment();
    }

    void runStarted() {
        started.increment();
    }
}
