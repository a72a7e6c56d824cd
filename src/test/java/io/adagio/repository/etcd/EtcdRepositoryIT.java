package io.adagio.repository.etcd;

import io.adagio.repository.Repository;
import io.adagio.repository.RepositoryContract;
import io.adagio.support.EtcdProcess;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.CompactOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The conformance suite on the etcd backend, against a real local etcd of this class's own (its tests compact
 * it). Each test gets its own list, so tests stay independent. Lease expiry is forced by revoking the agent's
 * lease through another client (the lease id is read from the agent key): etcd's leases run on etcd's clock,
 * so a lease "running out" is that revoke too, and the real short TTL is kept where heartbeats are proven to
 * keep a lease alive. History is forgotten by a physical compaction.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdRepositoryIT extends RepositoryContract {
    protected static EtcdProcess etcd;
    protected static Client admin;

    private EtcdOptions options;
    private final io.adagio.support.MovableClock clock = new io.adagio.support.MovableClock();
    private EtcdRepository etcdRepo;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdProcess.start();
        admin = Client.builder().endpoints(etcd.endpoint()).build();
    }

    @AfterAll
    static void stopEtcd() {
        admin.close();
        etcd.close();
    }

    @Override
    protected Repository createRepository(int historyCapacity) {
        EtcdOptions created = SharedEtcd.optionsOn(etcd, "contract", historyCapacity);
        if (historyCapacity == HISTORY) {
            options = created;
        }
        EtcdRepository opened = open(created, clock);
        if (historyCapacity == HISTORY) {
            etcdRepo = opened;
        }
        return opened;
    }

    /** A repository with these options, on a client as the service builds it. */
    protected EtcdRepository open(EtcdOptions created, java.time.Clock clock) {
        return EtcdRepositories.open(created, clock);
    }

    /** From the READY nodes its watch has seen (ReadyHints), read with the finished node. */
    @Override
    protected boolean fillsInTheFinishStep() {
        return true;
    }

    /** Three rounds here (each is 1,000 claim transactions on a real etcd); all twenty on memory. */
    @Override
    protected int claimStormRounds() {
        return 3;
    }

    @Override
    protected void forceLeaseExpiry(String agentId) throws Exception {
        Keys keys = new Keys(options.namespace(), options.list());
        GetResponse r = admin.getKVClient().get(Keys.bytes(keys.agent(agentId))).get(5, TimeUnit.SECONDS);
        long lease = new EtcdCodec().agent(r.getKvs().get(0).getValue()).leaseId();
        admin.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
    }

    @Override
    protected void letLeaseRunOut(String agentId, Duration ttl) throws Exception {
        forceLeaseExpiry(agentId);
    }

    @Override
    protected void letTimePass(Duration time) {
        clock.advance(time);
        etcdRepo.recoverPendingFinishes();
        etcdRepo.fireDueTimers();
    }

    @Override
    protected void forgetHistory() throws Exception {
        long now = admin.getKVClient().get(Keys.bytes("x")).get(5, TimeUnit.SECONDS).getHeader().getRevision();
        admin.getKVClient().compact(now, CompactOption.builder().withCompactPhysical(true).build())
                .get(10, TimeUnit.SECONDS);
    }
}
