package io.adagio.repository.etcd;

import io.adagio.repository.Repository;
import io.adagio.repository.RepositoryContract;
import io.adagio.support.EtcdProcess;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.CompactOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The conformance suite on the etcd backend, against a real local etcd. Each test gets its own list, so tests
 * share one etcd and stay independent. Lease expiry is forced by revoking the agent's lease through another
 * client (the lease id is read from the agent key); history is forgotten by a physical compaction.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdRepositoryIT extends RepositoryContract {
    private static final AtomicInteger LISTS = new AtomicInteger();
    private static Client admin;

    private EtcdOptions options;

    static synchronized Client admin() {
        if (admin == null) {
            admin = Client.builder().endpoints(EtcdProcess.shared().endpoint()).build();
        }
        return admin;
    }

    @AfterAll
    static synchronized void closeAdmin() {
        if (admin != null) {
            admin.close();
            admin = null;
        }
    }

    /** Options for a fresh list on the shared etcd. */
    static EtcdOptions freshOptions(String what) {
        return new EtcdOptions(List.of(EtcdProcess.shared().endpoint()), "v0",
                what + "-" + System.nanoTime() + "-" + LISTS.incrementAndGet(), Duration.ofSeconds(5), 0,
                Duration.ofSeconds(2), 0);
    }

    @Override
    protected Repository createRepository() {
        options = freshOptions("contract");
        return EtcdRepositories.open(options, Clock.systemUTC());
    }

    @Override
    protected void forceLeaseExpiry(String agentId) throws Exception {
        Keys keys = new Keys(options.namespace(), options.list());
        GetResponse r = admin().getKVClient().get(Keys.bytes(keys.agent(agentId))).get(5, TimeUnit.SECONDS);
        long lease = new EtcdCodec().agent(r.getKvs().get(0).getValue()).leaseId();
        admin().getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
    }

    @Override
    protected void forgetHistory() throws Exception {
        long now = admin().getKVClient().get(Keys.bytes("x")).get(5, TimeUnit.SECONDS).getHeader().getRevision();
        admin().getKVClient().compact(now, CompactOption.builder().withCompactPhysical(true).build())
                .get(10, TimeUnit.SECONDS);
    }
}
