package io.adagio.api;

import io.adagio.model.Conclusion;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/** The adagio metrics the API records (exposed at /actuator/prometheus). */
@Component
class ApiMetrics {
    private final MeterRegistry registry;
    private final Counter won;
    private final Counter lost;
    private final Counter stale;
    private final Counter started;

    ApiMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.won = Counter.builder("adagio.claims").tag("result", "won").description("Claims by result").register(registry);
        this.lost = Counter.builder("adagio.claims").tag("result", "lost").description("Claims by result").register(registry);
        this.stale = Counter.builder("adagio.finishes.stale").description("Finishes rejected for a stale claim").register(registry);
        this.started = Counter.builder("adagio.runs.started").description("Runs started").register(registry);
    }

    void claim(boolean claimed) {
        (claimed ? won : lost).increment();
    }

    void finished(Conclusion conclusion) {
        registry.counter("adagio.finishes", "conclusion", conclusion.name()).increment();
    }

    void staleFinish() {
        stale.increment();
    }

    void runStarted() {
        started.increment();
    }

    MeterRegistry registry() {
        return registry;
    }
}
