package io.adagio.agent;

import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.NodeSpec;
import io.adagio.model.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pool's event feed learns hints again by itself: a stream that brings no event for the re-list interval is
 * followed again from the current set (no position), which offers every orphaned node again; a stream that ends
 * is followed again from where it was.
 */
@Timeout(30)
class EventFeedTest {
    private static final NodeSpec SPEC = NodeSpec.of("n", "debug");

    /**
     * A control plane whose stream offers the orphaned node {@code n} of run {@code r} as its current set (when
     * followed without a position) and then stays open without events until it is ended (by endFollows, as a
     * stream over HTTP).
     */
    private static final class QuietPlane implements ControlPlane {
        final List<String> follows = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger endings = new AtomicInteger();
        volatile CountDownLatch open = new CountDownLatch(1);
        volatile boolean endAfterEvent;

        @Override
        public void follow(String agentId, List<String> runtimes, String lastPosition, Listener listener)
                throws InterruptedException {
            follows.add(String.valueOf(lastPosition));
            if (lastPosition == null) {
                listener.onEvent(new Event(EventType.NODE_ORPHANED, "r", SPEC), "5");
            }
            if (endAfterEvent) {
                return; // the stream ended (the server closed it)
            }
            CountDownLatch latch = new CountDownLatch(1);
            open = latch;
            while (latch.getCount() > 0) { // as over HTTP: only endFollows ends it, interrupting does not
                try {
                    latch.await();
                } catch (InterruptedException e) {
                    // not interruptible
                }
            }
        }

        @Override
        public void endFollows() {
            endings.incrementAndGet();
            open.countDown();
        }

        @Override
        public long register(String agentId, List<String> runtimes) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean heartbeat(String agentId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void unregister(String agentId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ClaimReply claim(String runId, String node, String agentId, String requestId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Finish finish(String runId, String node, String agentId, String claimId, Result result, int next) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ClaimReply.Claimed> claimBatch(String agentId, int max, Duration wait, String requestId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ClaimReply.Claimed> claimedFor(String agentId, String requestId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Finishes finishBatch(String agentId, List<Finishing> finishes, int next) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void aFeedWithoutEventsForTheRelistIntervalFollowsAgainFromTheCurrentSetAndRelearnsItsHints() throws Exception {
        QuietPlane plane = new QuietPlane();
        Hints hints = new Hints(4);
        EventFeed feed = new EventFeed("a", List.of("debug"), plane, hints, () -> { }, e -> { }, Duration.ofMillis(10),
                Duration.ofMillis(50), Duration.ofMillis(300));
        feed.start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> hints.size() == 1);
            Hints.Hint taken = hints.take(0); // an agent took it and could not act on it: the hint is gone
            assertThat(taken.spec().name()).isEqualTo("n");
            assertThat(hints.size()).isZero();

            await().atMost(Duration.ofSeconds(5)).until(() -> hints.size() == 1);
            assertThat(plane.endings.get()).as("the follow in progress was ended for it").isPositive();
            assertThat(plane.follows).as("followed again without a position: the current set").containsExactly("null", "null");
        } finally {
            feed.stop();
        }
    }

    @Test
    void aStreamThatEndsIsFollowedAgainFromItsPosition() {
        QuietPlane plane = new QuietPlane();
        plane.endAfterEvent = true;
        EventFeed feed = new EventFeed("a", List.of("debug"), plane, new Hints(4), () -> { }, e -> { }, Duration.ofMillis(10),
                Duration.ofMillis(50), Duration.ofSeconds(60));
        feed.start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> plane.follows.size() >= 3);
            List<String> follows;
            synchronized (plane.follows) { // the feed keeps following meanwhile
                follows = List.copyOf(plane.follows.subList(0, 3));
            }
            assertThat(follows).containsExactly("null", "5", "5");
        } finally {
            feed.stop();
        }
    }
}
