package io.adagio.repository.etcd;

import io.adagio.model.Agent;
import io.adagio.repository.AgentLease;
import io.adagio.repository.LeaseNotFoundException;
import io.adagio.repository.Recent;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Agents and their leases: {@code agents/<id>} is put with the agent's lease, and its value carries the lease
 * id, so any replica can renew ({@code keepAliveOnce}) or revoke it. A lease that etcd no longer knows is
 * {@link LeaseGone}, answered as {@link LeaseNotFoundException}.
 * <p>
 * Claims and finishes need the agent's lease and runtimes on every call; {@link #known} answers them from what
 * this replica read or wrote last, for up to {@link #CACHE_FOR}. The lease cannot be wrong for long: a put with a
 * lease that ended fails ({@link LeaseGone}), and callers then {@link #forget} it and read again; a runtime
 * change registered through another replica is seen here within {@link #CACHE_FOR}.
 */
final class EtcdAgents {
    private static final Logger log = LoggerFactory.getLogger(EtcdAgents.class);

    private final KV kv;
    private final Lease leases;
    private final Keys keys;
    private final EtcdCodec codec;
    private final EtcdCalls calls;
    private final KeyRanges ranges;
    private final GuardedTxns txns;
    /** How long what this replica read or wrote of an agent answers {@link #known}. */
    static final Duration CACHE_FOR = Duration.ofSeconds(1);

    /** How long a lease id granted here is remembered (the agent key holds it for every replica meanwhile). */
    static final Duration KEEP_LEASE_IDS = Duration.ofHours(1);

    /** Lease ids of agents registered through this replica, forgotten an hour after. */
    private final Recent<Long> knownLeases;
    /** The agent key's value as this replica last read or wrote it, and when; forgotten once too old to use. */
    private final Recent<EtcdCodec.StoredAgent> seen;
    private final Clock clock;

    EtcdAgents(KV kv, Lease leases, Keys keys, EtcdCodec codec, EtcdCalls calls, KeyRanges ranges, GuardedTxns txns,
               Clock clock) {
        this.clock = clock;
        this.knownLeases = new Recent<>(clock, KEEP_LEASE_IDS);
        this.seen = new Recent<>(clock, CACHE_FOR);
        this.kv = kv;
        this.leases = leases;
        this.keys = keys;
        this.codec = codec;
        this.calls = calls;
        this.ranges = ranges;
        this.txns = txns;
    }

    List<Agent> list() {
        List<Agent> out = new ArrayList<>();
        for (KeyValue agentKey : ranges.all(keys.agents(), 0, false)) {
            out.add(codec.agent(agentKey.getValue()).agent());
        }
        out.sort(Comparator.comparing(Agent::id));
        return out;
    }

    /** The live agents by the id of their lease (read now: one range). */
    java.util.Map<Long, String> byLease() {
        java.util.Map<Long, String> out = new java.util.HashMap<>();
        for (KeyValue agentKey : ranges.all(keys.agents(), 0, false)) {
            keys.parseAgent(Keys.text(agentKey.getKey())).ifPresent(id -> out.put(agentKey.getLease(), id));
        }
        return out;
    }

    /** Puts the agent key with its live lease (renewed), or with a new lease when it has none. */
    AgentLease register(Agent agent, Duration ttl) {
        ByteSequence key = Keys.bytes(keys.agent(agent.id()));
        return txns.retry("registering agent " + agent.id(), attempt -> {
            GetResponse got = calls.await(kv.get(key), "reading agent " + agent.id());
            long readRevision = 0;
            long leaseId = 0;
            long ttlMillis = ttl.toMillis();
            if (!got.getKvs().isEmpty()) {
                KeyValue current = got.getKvs().get(0);
                EtcdCodec.StoredAgent stored = codec.agent(current.getValue());
                readRevision = current.getModRevision();
                if (renew(stored.leaseId())) {
                    leaseId = stored.leaseId();
                    ttlMillis = stored.ttlMillis();
                }
            }
            boolean granted = leaseId == 0;
            if (granted) {
                long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
                leaseId = calls.await(leases.grant(seconds), "granting a lease to " + agent.id()).getID();
            }
            EtcdCodec.StoredAgent registered = new EtcdCodec.StoredAgent(agent, leaseId, ttlMillis);
            ByteSequence value = codec.agent(registered);
            try {
                if (txns.commit(List.of(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(readRevision))),
                        List.of(Op.put(key, value, PutOption.builder().withLeaseId(leaseId).build())),
                        "registering agent " + agent.id())) {
                    knownLeases.put(agent.id(), leaseId);
                    seen.put(agent.id(), registered);
                    return Optional.of(new AgentLease(agent, Duration.ofMillis(ttlMillis)));
                }
            } catch (LeaseGone e) {
                log.debug("the lease of {} ended while registering; again", agent.id());
            }
            if (granted) {
                revokeQuietly(leaseId);
            }
            return Optional.empty();
        });
    }

    /** @throws LeaseNotFoundException when the agent's lease is gone */
    AgentLease heartbeat(String agentId) {
        Optional<EtcdCodec.StoredAgent> stored = known(agentId);
        boolean renewed = stored.isPresent() && renew(stored.get().leaseId());
        if (!renewed) {
            stored = stored(agentId); // it may have registered again, with a new lease, through another replica
            renewed = stored.isPresent() && renew(stored.get().leaseId());
        }
        if (!renewed) {
            knownLeases.remove(agentId);
            forget(agentId);
            throw new LeaseNotFoundException(agentId);
        }
        return new AgentLease(stored.get().agent(), Duration.ofMillis(stored.get().ttlMillis()));
    }

    /** Revokes the agent's lease: etcd deletes its agent key and its running keys (they become orphaned). */
    void unregister(String agentId) {
        forget(agentId);
        Optional<Long> known = knownLeases.remove(agentId);
        Set<Long> ids = new HashSet<>();
        stored(agentId).ifPresent(a -> ids.add(a.leaseId()));
        known.ifPresent(ids::add);
        for (long id : ids) {
            try {
                calls.await(leases.revoke(id), "revoking the lease of " + agentId);
            } catch (LeaseGone e) {
                log.debug("the lease of {} had ended already", agentId);
            }
        }
    }

    /**
     * The lease id of a registered agent.
     *
     * @throws LeaseNotFoundException when it has none
     */
    long leaseOf(String agentId) {
        return known(agentId).orElseThrow(() -> new LeaseNotFoundException(agentId)).leaseId();
    }

    /**
     * The agent and its lease id as this replica read or wrote them at most {@link #CACHE_FOR} ago, or else as
     * stored now. A caller that finds the lease ended {@link #forget}s it.
     */
    Optional<EtcdCodec.StoredAgent> known(String agentId) {
        Optional<EtcdCodec.StoredAgent> recent = seen.within(agentId, CACHE_FOR);
        return recent.isPresent() ? recent : stored(agentId);
    }

    /** Forgets what this replica knew of the agent: the next {@link #known} reads it. */
    void forget(String agentId) {
        seen.remove(agentId);
    }

    /** The agent key's value (the agent and its lease id), if it exists, read now. */
    Optional<EtcdCodec.StoredAgent> stored(String agentId) {
        GetResponse got = calls.await(kv.get(Keys.bytes(keys.agent(agentId))), "reading agent " + agentId);
        if (got.getKvs().isEmpty()) {
            seen.remove(agentId);
            return Optional.empty();
        }
        EtcdCodec.StoredAgent agent = codec.agent(got.getKvs().get(0).getValue());
        seen.put(agentId, agent);
        return Optional.of(agent);
    }

    /** How many agents this replica remembers something of (their lease ids, their agent keys). */
    int remembered() {
        return Math.max(knownLeases.size(), seen.size());
    }

    /** The keys attached to a lease (its agent key and the running keys of the nodes it holds); none when gone. */
    List<String> keysOn(long leaseId) {
        try {
            return calls.await(leases.timeToLive(leaseId, LeaseOption.builder().withAttachedKeys().build()),
                    "listing the keys of lease " + leaseId).getKeys().stream().map(Keys::text).toList();
        } catch (LeaseGone e) {
            return List.of();
        }
    }

    /** Renews a lease once; false when it does not exist any more. */
    private boolean renew(long leaseId) {
        if (leaseId == 0) {
            return false;
        }
        try {
            LeaseKeepAliveResponse r = calls.await(leases.keepAliveOnce(leaseId), "renewing lease " + leaseId);
            return r.getTTL() > 0;
        } catch (LeaseGone e) {
            return false;
        }
    }

    private void revokeQuietly(long leaseId) {
        try {
            calls.await(leases.revoke(leaseId), "revoking lease " + leaseId);
        } catch (RuntimeException e) {
            log.debug("could not revoke unused lease {}", leaseId, e);
        }
    }
}
