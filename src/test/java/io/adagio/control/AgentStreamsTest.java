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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Open streams get keep-alives, also after the context was paused (stopped) and started again; a stream whose
 * client stopped reading neither delays another's keep-alives nor lives past the write deadline; and a stream
 * never keeps its agent's lease alive (only the agent's own calls do).
 */
@Timeout(30)
class AgentStreamsTest {
    private final InMemoryRepository repository = new InMemoryRepository(Clock.systemUTC(), 100, Duration.ofMillis(50));
    private final Agents agents = new Agents(repository, Duration.ofMillis(600), java.time.Clock.systemUTC());
    private final AgentStreams streams = new AgentStreams(repository, agents, Duration.ofMillis(100),
            Duration.ofMillis(500), 2, 3, new SimpleMeterRegistry());

    @AfterEach
    void close() {
        streams.stop();
        repository.close();
    }

    /** A stream that counts its keep-alives; a stuck one blocks in its first write until it is completed. */
    private static final class Counting implements AgentStreams.Stream, EventSink {
        final String agentId;
        final boolean stuck;
        final AtomicInteger pings = new AtomicInteger();
        final CountDownLatch completed = new CountDownLatch(1);
        volatile long writingSince;
        volatile long completedAt;

        final String owner;

        Counting(String agentId, boolean stuck) {
            this(agentId, stuck, "");
        }

        Counting(String agentId, boolean stuck, String owner) {
            this.agentId = agentId;
            this.stuck = stuck;
            this.owner = owner;
        }

        @Override
        public String owner() {
            return owner;
        }

        @Override
        public String agentId() {
            return agentId;
        }

        @Override
        public void ping() {
            pings.incrementAndGet();
            if (stuck) {
                writingSince = System.nanoTime();
                try {
                    completed.await(); // as a socket write whose peer does not read
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public long writingSince() {
            return writingSince;
        }

        @Override
        public boolean isOpen() {
            return completed.getCount() > 0;
        }

        @Override
        public void complete() {
            completedAt = System.nanoTime();
            completed.countDown();
        }

        @Override
        public void onSnapshot(Cursor position, List<io.adagio.model.Event> current, boolean reset) {
        }

        @Override
        public void onEvent(CursoredEvent event) {
        }
    }

    @Test
    void keepAlivesResumeAfterAStopAndAStart() {
        streams.start();
        Agent agent = agents.register("a", List.of(new AgentRuntime("debug"))).agent();
        Counting stream = new Counting("a", false);
        streams.open(agent, EnumSet.allOf(EventType.class), null, stream);
        await().atMost(Duration.ofSeconds(5)).until(() -> stream.pings.get() >= 2);

        streams.stop();
        assertThat(streams.accepting()).isFalse();
        assertThat(stream.isOpen()).as("completed for shutdown").isFalse();
        streams.start();
        assertThat(streams.accepting()).isTrue();
        Agent again = agents.register("a", List.of(new AgentRuntime("debug"))).agent();
        Counting next = new Counting("a", false);
        streams.open(again, EnumSet.allOf(EventType.class), null, next);
        await().atMost(Duration.ofSeconds(5)).until(() -> next.pings.get() >= 2);
    }

    @Test
    void anOpenStreamDoesNotKeepItsAgentAlive() {
        streams.start();
        Agent agent = agents.register("a", List.of(new AgentRuntime("debug"))).agent();
        Counting stream = new Counting("a", false);
        streams.open(agent, EnumSet.allOf(EventType.class), null, stream);
        await().atMost(Duration.ofSeconds(5)).until(() -> agents.find("a").isEmpty());
        assertThat(stream.pings.get()).as("its keep-alives were written all along").isGreaterThanOrEqualTo(2);
    }

    @Test
    void aStreamThatIsNotReadIsEndedAfterTheDeadlineAndDelaysNoOther() {
        streams.start();
        Counting stuck = new Counting("slow", true);
        Counting healthy = new Counting("fast", false);
        streams.open(agents.register("slow", List.of(new AgentRuntime("debug"))).agent(), EnumSet.allOf(EventType.class), null, stuck);
        streams.open(agents.register("fast", List.of(new AgentRuntime("debug"))).agent(), EnumSet.allOf(EventType.class), null, healthy);
        await().atMost(Duration.ofSeconds(5)).until(() -> stuck.writingSince != 0);
        int before = healthy.pings.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> healthy.pings.get() >= before + 3);
        assertThat(stuck.pings.get()).as("no second keep-alive queued behind the stuck one").isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> !stuck.isOpen());
        assertThat(stuck.completedAt - stuck.writingSince).as("ended after the deadline, not before")
                .isGreaterThanOrEqualTo(Duration.ofMillis(500).toNanos());
        assertThat(streams.openCount()).as("only the healthy stream is left").isEqualTo(1);
        assertThat(healthy.isOpen()).isTrue();
    }

    private Counting openAs(String agentId, String owner) {
        Counting c = new Counting(agentId, false, owner);
        streams.open(agents.register(agentId, List.of(new AgentRuntime("debug"))).agent(), EnumSet.allOf(EventType.class), null, c);
        return c;
    }

    @Test
    void anAgentsOldestStreamMakesWayForItsNewest() {
        streams.start();
        Counting first = openAs("a", "");
        Counting second = openAs("a", "");
        Counting other = openAs("b", "");
        Counting third = openAs("a", "");
        await("the oldest of a's three streams, over the cap of 2, is ended").atMost(Duration.ofSeconds(5))
                .until(() -> !first.isOpen()); // on a writer thread of its own, as a stuck stream is
        assertThat(second.isOpen()).isTrue();
        assertThat(third.isOpen()).isTrue();
        assertThat(other.isOpen()).as("another agent's stream is not touched").isTrue();
        assertThat(streams.openCount()).isEqualTo(3);
    }

    @Test
    void aTokensStreamsAreCappedAndCountAgainAsTheyClose() {
        streams.start();
        Counting one = openAs("a", "t");
        openAs("b", "t");
        Counting observer = new Counting(AgentStreams.OBSERVER, false, "t");
        streams.observe(observer);
        assertThatThrownBy(() -> openAs("c", "t")).isInstanceOf(TooManyStreamsException.class)
                .hasMessageContaining("Token t has 3 event streams open");
        assertThatThrownBy(() -> streams.observe(new Counting(AgentStreams.OBSERVER, false, "t")))
                .isInstanceOf(TooManyStreamsException.class);
        assertThat(streams.openCount()).as("nothing added by the refusals").isEqualTo(3);
        openAs("d", "u"); // another token's streams are its own
        openAs("e", ""); // and a stream without a token is not counted

        streams.remove(observer); // closed by its client
        openAs("c", "t");
        assertThatThrownBy(() -> openAs("f", "t")).isInstanceOf(TooManyStreamsException.class);
        assertThat(one.isOpen()).isTrue();
    }

    @Test
    void aReconnectOfATokenAtItsCapReplacesItsAgentsOldestStreamInsteadOfBeingRefused() {
        streams.start();
        Counting oldest = openAs("a", "t");
        openAs("a", "t");
        openAs("b", "t"); // t is at its cap of 3
        Counting reconnect = openAs("a", "t"); // a is at its cap of 2: its oldest makes way
        await().atMost(Duration.ofSeconds(5)).until(() -> !oldest.isOpen());
        assertThat(reconnect.isOpen()).isTrue();
        assertThatThrownBy(() -> openAs("c", "t")).isInstanceOf(TooManyStreamsException.class);
    }

    @Test
    void aStreamOpenedWhileStoppedCountsAgainstNothing() {
        streams.start();
        streams.stop();
        Counting refused = openAs("a", "t");
        assertThat(refused.isOpen()).isFalse();
        streams.start();
        openAs("b", "t");
        openAs("c", "t");
        openAs("d", "t"); // three: the one refused while stopped is not counted
        assertThat(streams.openCount()).isEqualTo(3);
    }

    @Test
    void aStreamEndedForItsAgentsNewestNoLongerCountsAgainstItsToken() {
        streams.start();
        Counting oldest = openAs("a", "t");
        openAs("a", "t");
        openAs("a", "t"); // ends the oldest: t has two open
        await().atMost(Duration.ofSeconds(5)).until(() -> !oldest.isOpen());
        openAs("b", "t");
        assertThatThrownBy(() -> openAs("c", "t")).isInstanceOf(TooManyStreamsException.class);
    }
}
