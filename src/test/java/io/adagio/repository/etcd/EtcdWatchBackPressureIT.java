package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.adagio.repository.EventFanout;
import io.adagio.repository.EventFilter;
import io.adagio.repository.EventSink;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hand-off from the etcd watch to the processing thread is bounded: while the thread is held up, at most a
 * few responses wait (the watch is paused past that), and once it is free every event still arrives, once, in
 * order — the paused watch resumes from the last revision it processed.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EtcdWatchBackPressureIT {
    private static final int MAX_PENDING = 3;

    @Test
    void aHeldUpProcessorPausesTheWatchAndLosesNothing() throws Exception {
        EtcdOptions options = SharedEtcd.freshOptions("backpressure");
        Client client = SharedEtcd.admin();
        Keys keys = new Keys(options.namespace(), options.list());
        EtcdCalls calls = new EtcdCalls(Duration.ofSeconds(5));
        KeyRanges ranges = new KeyRanges(client.getKVClient(), calls);
        RunShapes shapes = new RunShapes(client.getKVClient(), keys, new EtcdCodec(), calls);
        WatchTranslator translator = WatchTranslator.reading(keys, shapes, new EtcdCodec(), client.getKVClient(), calls);
        ClaimableNodes claimable = new ClaimableNodes(keys, ranges, shapes, new EtcdCodec());
        HistoryReplay replay = new HistoryReplay(client.getWatchClient(), client.getKVClient(), keys, translator, calls);
        List<CursoredEvent> seen = Collections.synchronizedList(new ArrayList<>());
        OrphanIndex orphans = new OrphanIndex();
        try (EventFanout fanout = new EventFanout(new EtcdEventSource(client.getKVClient(), keys, ranges, claimable, replay, calls,
                orphans), 100_000, "backpressure-test");
             EtcdWatch watch = new EtcdWatch(client.getWatchClient(), keys, ranges, translator, claimable, fanout,
                     Duration.ofMinutes(10), orphans, new ReadyHints(), MAX_PENDING);
             EtcdRepository repo = EtcdRepositories.open(options, Clock.systemUTC())) {
            CountDownLatch snapshot = new CountDownLatch(1);
            fanout.subscribe(new EventFilter(EnumSet.of(EventType.NODE_READY), Set.of("debug")), null, new EventSink() {
                @Override
                public void onSnapshot(Cursor position, List<Event> current, boolean reset) {
                    snapshot.countDown();
                }

                @Override
                public void onEvent(CursoredEvent event) {
                    seen.add(event);
                }
            });
            assertThat(snapshot.await(10, TimeUnit.SECONDS)).isTrue();

            CountDownLatch release = new CountDownLatch(1);
            watch.onProcessingThread(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            RunFactory factory = new RunFactory(Clock.systemUTC());
            List<String> runs = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                runs.add(repo.startRun(factory.create(Graphs.single("n"))).id()); // a revision each
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> watch.mostPending() > MAX_PENDING);
            release.countDown();

            await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 50);
            assertThat(seen).extracting(e -> e.event().runId()).as("every run's root, once, in order")
                    .containsExactlyElementsOf(runs);
            assertThat(watch.mostPending()).as("waiting responses stayed bounded").isLessThanOrEqualTo(MAX_PENDING + 1);
        }
    }
}
