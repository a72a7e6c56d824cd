package io.adagio.repository.etcd;

import io.adagio.Graphs;
import io.adagio.engine.RunFactory;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.GraphSpec;
import io.adagio.model.MetadataValues;
import io.adagio.model.NodeSpec;
import io.adagio.model.Run;
import io.adagio.repository.BackendRefusedException;
import io.adagio.support.EtcdProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.options.DeleteOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * etcd out of space (its NOSPACE alarm, here from a 4 MiB {@code --quota-backend-bytes}): writes are refused as
 * {@code NO_SPACE} (the API's 507 {@code backend-full}, not retryable) — but the write that took etcd over its
 * quota was applied, and a start answered so then is found to have started — reads keep working, and once an operator
 * frees space (deletes, compacts, defragments and disarms the alarm) writes work again through the same
 * repository, without a restart.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdNoSpaceIT {
    private static GraphSpec heavy(int nodes) {
        List<NodeSpec> specs = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            specs.add(new NodeSpec("n" + i, "debug", Map.of("pad", MetadataValues.of("x".repeat(50_000))), Map.of()));
        }
        return new GraphSpec(specs, List.of());
    }

    @Test
    void writesAreRefusedAsFullReadsWorkAndWritesComeBackOnceSpaceIsFreed() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start("--quota-backend-bytes=" + (4 << 20));
             Client admin = Client.builder().endpoints(etcd.endpoint()).build()) {
            EtcdOptions options = SharedEtcd.optionsOn(etcd, "nospace", 0);
            RunFactory factory = new RunFactory(Clock.systemUTC());
            try (EtcdRepository repo = EtcdRepositories.open(options, Clock.systemUTC())) {
                List<Run> stored = new ArrayList<>();
                BackendRefusedException full = null;
                for (int i = 0; i < 200 && full == null; i++) {
                    try {
                        stored.add(repo.startRun(factory.create(heavy(10))));
                    } catch (BackendRefusedException e) {
                        full = e;
                    }
                }
                assertThat(full).as("etcd filled up").isNotNull();
                assertThat(full.reason()).isEqualTo(BackendRefusedException.Reason.NO_SPACE);
                assertThat(full.retryable()).isFalse();
                assertThat(stored).isNotEmpty();

                // reads keep working; writes are refused
                assertThat(repo.inspectRun(stored.get(0).id()).nodes()).hasSize(10);
                assertThat(repo.stats().runCount()).as("every start answered as started, none other")
                        .isEqualTo(stored.size());
                assertThatThrownBy(() -> repo.startRun(factory.create(Graphs.single("small"))))
                        .isInstanceOfSatisfying(BackendRefusedException.class,
                                e -> assertThat(e.reason()).isEqualTo(BackendRefusedException.Reason.NO_SPACE));

                // the operator frees space: deletes the runs, compacts, defragments, disarms
                String prefix = options.namespace() + "/" + options.list() + "/";
                ByteSequence all = ByteSequence.from(prefix, StandardCharsets.UTF_8);
                long revision = admin.getKVClient().delete(all, DeleteOption.builder().isPrefix(true).build())
                        .get(10, TimeUnit.SECONDS).getHeader().getRevision();
                admin.getKVClient().compact(revision).get(10, TimeUnit.SECONDS);
                admin.getMaintenanceClient().defragmentMember(etcd.endpoint()).get(30, TimeUnit.SECONDS);
                for (AlarmMember alarm : admin.getMaintenanceClient().listAlarms().get(10, TimeUnit.SECONDS).getAlarms()) {
                    admin.getMaintenanceClient().alarmDisarm(alarm).get(10, TimeUnit.SECONDS);
                }

                // the same repository writes again
                Run again = repo.startRun(factory.create(Graphs.chain(3, "debug")));
                assertThat(repo.inspectRun(again.id()).nodes()).hasSize(3);
                repo.registerAgent(new Agent("after", List.of(new AgentRuntime("debug"))), Duration.ofSeconds(10));
                assertThat(repo.listAgents()).extracting(Agent::id).contains("after");
            }
        }
    }
}
