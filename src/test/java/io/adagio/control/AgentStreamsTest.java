package io.adagio.control;

import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.EventType;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventSink;
import io.adagio.repository.memory.InMemoryRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Open streams get keep-alives, also after the context was paused (stopped) and started again. */
@Timeout(30)
class AgentStreamsTest {
    private final InMemoryRepository repository = new InMemoryRepository(Clock.systemUTC(), 100, Duration.ofMillis(50));
    private final Agents agents = new Agents(repository, Duration.ofMillis(600), java.time.Clock.systemUTC());
    private final AgentStreams streams = new AgentStreams(repository, agents, Duration.ofMillis(100), new SimpleMeterRegistry());

    @AfterEach
    void close() {
        streams.stop();
        repository.close();
    }

    /** A stream that counts its keep-alives. */
    private static final class Counting implements AgentStreams.Stream, EventSink {
        final AtomicInteger pings = new AtomicInteger();

        @Override
        public String agentId() {
            return "a";
        }

        @Override
        public boolean ping() {
            pings.incrementAndGet();
            return true;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void complete() {
        }

        @Override
        public void onSnapshot(Cursor position, List<io.adagio.model.Event> current, boolean reset) {
        }

        @Override
        public void onEvent(CursoredEvent event) {
        }
    }

    @Test
    void keepAlivesAndLeaseRenewalsResumeAfterAStopAndAStart() {
        streams.start();
        Agent agent = agents.register("a", List.of(new AgentRuntime("debug"))).agent();
        Counting stream = new Counting();
        streams.open(agent, EnumSet.allOf(EventType.class), null, stream);
        await().atMost(Duration.ofSeconds(5)).until(() -> stream.pings.get() >= 2);

        streams.stop();
        assertThat(streams.accepting()).isFalse();
        streams.start();
        assertThat(streams.accepting()).isTrue();
        Agent again = agents.register("a", List.of(new AgentRuntime("debug"))).agent();
        streams.open(again, EnumSet.allOf(EventType.class), null, stream);
        int before = stream.pings.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> stream.pings.get() >= before + 2);
        await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofMillis(700))
                .until(() -> agents.find("a").isPresent());
    }
}
