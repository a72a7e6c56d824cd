package io.adagio.repository.etcd;

import io.adagio.support.EtcdProcess;
import io.etcd.jetcd.Client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The etcd that backend tests share (one process for the test JVM), an admin client on it, and fresh lists
 * on it so tests stay independent. A test that compacts or otherwise changes etcd as a whole uses an etcd of
 * its own instead.
 */
final class SharedEtcd {
    private static final AtomicInteger LISTS = new AtomicInteger();
    private static Client admin;

    private SharedEtcd() {
    }

    /** A client of the shared etcd for checks and faults (closed with the JVM). */
    static synchronized Client admin() {
        if (admin == null) {
            admin = Client.builder().endpoints(EtcdProcess.shared().endpoint()).build();
            Runtime.getRuntime().addShutdownHook(new Thread(admin::close));
        }
        return admin;
    }

    /** How many keys of the shared etcd start with {@code prefix}. */
    static long count(String prefix) throws Exception {
        return admin().getKVClient().get(io.etcd.jetcd.ByteSequence.from(prefix, java.nio.charset.StandardCharsets.UTF_8),
                io.etcd.jetcd.options.GetOption.builder().isPrefix(true).withCountOnly(true).build())
                .get(5, java.util.concurrent.TimeUnit.SECONDS).getCount();
    }

    /** Options for a fresh list on the shared etcd. */
    static EtcdOptions freshOptions(String what) {
        return optionsOn(EtcdProcess.shared(), what, 0);
    }

    /** Options for a fresh list on {@code etcd}, keeping {@code historySize} events (0: the default). */
    static EtcdOptions optionsOn(EtcdProcess etcd, String what, int historySize) {
        return new EtcdOptions(List.of(etcd.endpoint()), "v0",
                what + "-" + System.nanoTime() + "-" + LISTS.incrementAndGet(), Duration.ofSeconds(5), 0,
                Duration.ofSeconds(2), historySize);
    }
}
