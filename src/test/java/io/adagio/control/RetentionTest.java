package io.adagio.control;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Result;
import io.adagio.model.Run;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.RunQuery;
import io.adagio.repository.memory.InMemoryRepository;
import io.adagio.support.MovableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Finished runs are deleted once they have been finished for the retention period; running ones never. */
class RetentionTest {
    private static final Duration KEEP = Duration.ofDays(30);
    private final MovableClock clock = new MovableClock();
    private final InMemoryRepository repo = new InMemoryRepository(clock, 1000, Duration.ofHours(1));
    private final RunFactory runs = new RunFactory(clock);
    private final Retention retention = new Retention(repo, KEEP, clock);

    @AfterEach
    void close() {
        repo.close();
    }

    private String started() {
        return repo.startRun(runs.create(Graphs.single("a"))).id();
    }

    private void complete(String runId) {
        ClaimOutcome c = repo.claimNode(runId, "a", "agent", Claim.of("c-" + runId));
        repo.finishNode(runId, "a", c.claim().id(), Result.of(Conclusion.SUCCESS, "done"));
    }

    @Test
    void aRunIsDeletedOnceItHasBeenFinishedForTheRetentionPeriodAndNotBefore() {
        repo.registerAgent(new Agent("agent", List.of(new AgentRuntime("debug"))), Duration.ofDays(365));
        String early = started();
        String late = started();
        String running = started();
        complete(early);
        clock.advance(Duration.ofDays(10));
        complete(late);
        repo.claimNode(running, "a", "agent", Claim.of("held"));

        clock.advance(KEEP.minusDays(10).minusSeconds(1));
        assertThat(retention.sweep()).as("nothing finished 30 days ago yet").isZero();
        clock.advance(Duration.ofSeconds(2));
        assertThat(retention.sweep()).isEqualTo(1);
        assertThatThrownBy(() -> repo.inspectRun(early)).isInstanceOf(NotFoundException.class);
        assertThat(repo.inspectRun(late).id()).as("finished 10 days later: kept 10 days longer").isEqualTo(late);

        clock.advance(Duration.ofDays(10));
        assertThat(retention.sweep()).isEqualTo(1);
        assertThat(repo.listRuns(RunQuery.all())).extracting(Run::id).containsExactly(running);
        clock.advance(Duration.ofDays(365));
        assertThat(retention.sweep()).as("a running run is never removed").isZero();
        assertThat(repo.stats().runCount()).isEqualTo(1);
    }

    @Test
    void eachSweepLooksAtABoundedPageAndTheNextGoesOnFromThere() {
        repo.registerAgent(new Agent("agent", List.of(new AgentRuntime("debug"))), Duration.ofDays(365));
        int total = Retention.PER_SWEEP * 2 + 7;
        for (int i = 0; i < total; i++) {
            complete(started());
        }
        clock.advance(KEEP.plusDays(1));
        assertThat(retention.sweep()).isEqualTo(Retention.PER_SWEEP);
        assertThat(retention.sweep()).isEqualTo(Retention.PER_SWEEP);
        assertThat(retention.sweep()).isEqualTo(7);
        assertThat(repo.stats().runCount()).isZero();
        assertThat(repo.stats().nodeCounts().completed()).as("their nodes went with them").isZero();
    }
}
