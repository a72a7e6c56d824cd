package io.adagio.repository.etcd;

import io.adagio.engine.Topology;

import java.time.Instant;

/**
 * The immutable part of a stored run: its id, creation time, topology, and the revision at which its run key
 * was written, which is when the run became visible. Cacheable forever: a run's spec never changes.
 *
 * @param id       the run id
 * @param createdAt creation time
 * @param topology the run's graph
 * @param revision the create revision of the run key; state changes at or before it belong to the start
 * @param rerunOf  the run it reruns, or null
 * @param deadline its deadline (a duration from its creation), or null
 * @param ttl      how long it is kept once completed, or null
 */
record RunShape(String id, Instant createdAt, Topology topology, long revision, String rerunOf, String deadline,
                String ttl) {
    /** Whether the run was visible at {@code atRevision}. */
    boolean visibleAt(long atRevision) {
        return revision <= atRevision;
    }
}
