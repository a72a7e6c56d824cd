package io.adagio.control;

import io.adagio.model.Conclusion;
import io.adagio.model.NodeStatus;
import io.adagio.model.RunOutcome;
import io.adagio.repository.Repository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The adagio metrics the control plane records (exposed at /actuator/prometheus). */
public final class ControlMetrics {
    private final MeterRegistry registry;
    private final Counter won;
    private final Counter lost;
    private final Counter stale;
    private final Counter started;

    public ControlMetrics(MeterRegistry registry, Repository repository) {
        this.registry = registry;
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
        registry.counter("adagio.finishes", "conclusion", conclusion.name()).increment();
        transition(now);
    }

    void transition(NodeStatus to) {
        registry.counter("adagio.node.transitions", "to", to.name()).increment();
    }

    void runFinished(RunOutcome outcome) {
        registry.counter("adagio.runs.finished", "outcome", outcome.name()).increment();
    }

    void staleFinish() {
        stale.increment();
    }

    void runStarted() {
        started.increment();
    }
}
