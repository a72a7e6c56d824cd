package io.adagio.repository.etcd;

import io.adagio.engine.Topology;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The run shapes this replica knows, read from run keys once and then cached (bounded, least recently used
 * first out). A run key that does not exist is never cached: the run may still be starting.
 */
final class RunShapes {
    private static final int CAPACITY = 10_000;

    private final KV kv;
    private final Keys keys;
    private final EtcdCodec codec;
    private final EtcdCalls calls;
    private final Map<String, RunShape> cache = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RunShape> eldest) {
            return size() > CAPACITY;
        }
    };

    /** Run id → a revision at which its run key did not exist (runs being started, or never). */
    private final Map<String, Long> absent = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > CAPACITY;
        }
    };

    RunShapes(KV kv, Keys keys, EtcdCodec codec, EtcdCalls calls) {
        this.kv = kv;
        this.keys = keys;
        this.codec = codec;
        this.calls = calls;
    }

    /** Forgets a run that was deleted. */
    void forget(String runId) {
        synchronized (cache) {
            cache.remove(runId);
        }
    }

    /** The run's shape when this replica has it cached; never reads. */
    Optional<RunShape> cached(String runId) {
        synchronized (cache) {
            return Optional.ofNullable(cache.get(runId));
        }
    }

    /** The run's shape, from the cache or its run key; empty when the run key does not exist (now). */
    Optional<RunShape> find(String runId) {
        synchronized (cache) {
            RunShape known = cache.get(runId);
            if (known != null) {
                return Optional.of(known);
            }
        }
        GetResponse r = calls.await(kv.get(Keys.bytes(keys.run(runId))), "reading run " + runId);
        return r.getKvs().isEmpty() ? Optional.empty() : Optional.of(remember(runId, r.getKvs().get(0)));
    }

    /**
     * Whether the run was visible at {@code revision}, with its shape if so. A run key found absent at some
     * revision A proves the run invisible at every revision up to A, which is remembered so that the many state
     * keys of a start in flight cost one read, not one each.
     */
    Optional<RunShape> visibleAt(String runId, long revision) {
        synchronized (cache) {
            RunShape known = cache.get(runId);
            if (known != null) {
                return known.visibleAt(revision) ? Optional.of(known) : Optional.empty();
            }
            Long absentAt = absent.get(runId);
            if (absentAt != null && revision <= absentAt) {
                return Optional.empty();
            }
        }
        // read at the revision asked about: a run deleted since was visible then (replays stay deterministic)
        GetResponse r = atRevision(runId, revision);
        if (r.getKvs().isEmpty()) {
            synchronized (cache) {
                absent.merge(runId, Math.min(revision, r.getHeader().getRevision()), Math::max);
            }
            return Optional.empty();
        }
        RunShape shape = remember(runId, r.getKvs().get(0));
        return shape.visibleAt(revision) ? Optional.of(shape) : Optional.empty();
    }

    /** The run key as it was at {@code revision}; as it is now when that revision is compacted away (or ahead). */
    private GetResponse atRevision(String runId, long revision) {
        String what = "reading run " + runId;
        if (revision > 0) {
            try {
                return calls.await(kv.get(Keys.bytes(keys.run(runId)),
                        io.etcd.jetcd.options.GetOption.builder().withRevision(revision).build()), what);
            } catch (RuntimeException e) {
                // compacted (or a future revision; or etcd away, which the read below reports): the run key now
                // says as much as can be known
            }
        }
        return calls.await(kv.get(Keys.bytes(keys.run(runId))), what);
    }

    /** Caches the shape a run key holds, and answers it. */
    RunShape remember(String runId, KeyValue runKey) {
        EtcdCodec.StoredRun stored = codec.run(runKey.getValue());
        RunShape shape = new RunShape(runId, stored.createdAt(), Topology.of(stored.specs(), stored.edges()),
                runKey.getCreateRevision(), stored.rerunOf(), stored.deadline(), stored.ttl());
        synchronized (cache) {
            cache.put(runId, shape);
            absent.remove(runId);
        }
        return shape;
    }

    /** Caches a shape known without reading (the run this replica just started). */
    void remember(RunShape shape) {
        synchronized (cache) {
            cache.put(shape.id(), shape);
            absent.remove(shape.id());
        }
    }
}
