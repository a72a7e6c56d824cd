package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.EventType;
import io.adagio.model.NodeStatus;
import io.adagio.repository.Cursor;
import io.adagio.repository.CursoredEvent;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replay of etcd's history for a resuming subscriber holds at most its byte limit: within it, the subscriber
 * gets exactly the events after its cursor; over it, the replay gives up (the subscriber gets a reset snapshot)
 * instead of the replica holding all of that history.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HistoryReplayIT {
    @Test
    void aReplayWithinItsLimitGivesTheEventsAndOneOverItGivesUp() {
        EtcdOptions options = SharedEtcd.freshOptions("replay");
        Client client = SharedEtcd.admin();
        Keys keys = new Keys(options.namespace(), options.list());
        EtcdCalls calls = new EtcdCalls(Duration.ofSeconds(5));
        KeyRanges ranges = new KeyRanges(client.getKVClient(), calls);
        WatchTranslator translator = WatchTranslator.reading(keys, new RunShapes(client.getKVClient(), keys, new EtcdCodec(), calls), new EtcdCodec(), client.getKVClient(), calls);
        try (EtcdRepository repo = EtcdRepositories.open(options, Clock.systemUTC())) {
            Cursor before = Cursor.endOf(ranges.currentRevision(keys.root()));
            RunFactory factory = new RunFactory(Clock.systemUTC());
            for (int i = 0; i < 20; i++) {
                repo.startRun(factory.create(Graphs.fanOut(3, "debug")));
            }
            Cursor now = Cursor.endOf(ranges.currentRevision(keys.root()));

            Optional<List<CursoredEvent>> within = new HistoryReplay(client.getWatchClient(), client.getKVClient(), keys,
                    translator, calls).between(before, now);
            assertThat(within).isPresent();
            assertThat(within.get()).extracting(e -> e.event().type()).filteredOn(t -> !t.observed()).hasSize(20)
                    .containsOnly(EventType.NODE_READY);
            assertThat(within.get()).as("a NODE_STATUS for each of the 4 nodes of each run, as it became visible")
                    .filteredOn(e -> e.event().type() == EventType.NODE_STATUS).hasSize(80)
                    .allSatisfy(e -> assertThat(e.event().node().status()).isEqualTo(
                            e.event().node().name().equals("root") ? NodeStatus.READY : NodeStatus.WAITING));

            Optional<List<CursoredEvent>> over = new HistoryReplay(client.getWatchClient(), client.getKVClient(), keys,
                    translator, calls, 1_024).between(before, now);
            assertThat(over).as("more than 1 KiB of history: a reset instead").isEmpty();
        }
    }
}
