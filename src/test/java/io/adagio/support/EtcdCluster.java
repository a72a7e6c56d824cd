package io.adagio.support;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * A 3-member (or n-member) etcd cluster on loopback for fault tests: free ports, temporary data directories
 * (deleted by {@link #close}), fast elections (50 ms heartbeats, 500 ms election timeout), and helpers to find the
 * leader and to kill, pause and restart members ({@link EtcdProcess}'s {@code kill}, {@code pause},
 * {@code resume}, {@code restartWithoutWaiting}).
 */
public final class EtcdCluster implements AutoCloseable {
    private final List<EtcdProcess> members;

    private EtcdCluster(List<EtcdProcess> members) {
        this.members = List.copyOf(members);
    }

    /** Starts {@code size} members and waits until every one is healthy (a leader is elected). */
    public static EtcdCluster start(int size, String... flags) {
        List<int[]> ports = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                ports.add(new int[] {EtcdProcess.freePort(), EtcdProcess.freePort()});
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> all = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            all.add("m" + i + "=http://127.0.0.1:" + ports.get(i)[1]);
        }
        String initialCluster = String.join(",", all);
        List<String> memberFlags = new ArrayList<>(List.of("--heartbeat-interval=50", "--election-timeout=500"));
        memberFlags.addAll(List.of(flags));
        List<EtcdProcess> members = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            members.add(EtcdProcess.member("m" + i, ports.get(i)[0], ports.get(i)[1], initialCluster,
                    memberFlags.toArray(String[]::new)));
        }
        EtcdCluster cluster = new EtcdCluster(members);
        try {
            members.forEach(m -> m.launch(false));
            members.forEach(EtcdProcess::awaitHealthy);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    public List<EtcdProcess> members() {
        return members;
    }

    /** Every member's client URL, comma-separated as {@code adagio.etcd.endpoints} takes them. */
    public String endpoints() {
        return members.stream().map(EtcdProcess::endpoint).collect(Collectors.joining(","));
    }

    public List<String> endpointList() {
        return members.stream().map(EtcdProcess::endpoint).toList();
    }

    /** The member that leads now, as the running members say (waits for one to be elected). */
    public EtcdProcess leader() {
        EtcdProcess[] found = new EtcdProcess[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            for (EtcdProcess m : members) {
                if (!m.isRunning()) {
                    continue;
                }
                try (Client c = Client.builder().endpoints(m.endpoint()).build()) {
                    StatusResponse s = c.getMaintenanceClient().statusMember(m.endpoint()).get(2, TimeUnit.SECONDS);
                    if (s.getLeader() != 0 && s.getLeader() == s.getHeader().getMemberId()) {
                        found[0] = m;
                        return true;
                    }
                }
            }
            return false;
        });
        return found[0];
    }

    /** The members that do not lead now. */
    public List<EtcdProcess> followers() {
        EtcdProcess leader = leader();
        return members.stream().filter(m -> m != leader).toList();
    }

    @Override
    public void close() {
        members.forEach(EtcdProcess::close);
    }
}
