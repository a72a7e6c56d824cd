package io.adagio.repository.etcd;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Facts of nodes this replica's own transactions wrote or read at their revision: a node it just claimed (its
 * value, its running key on the holder's lease, both at the claim's revision) and the children of such a node,
 * read by the claiming transaction itself. The finish of that node, usually the next step, then starts from
 * them instead of a read: an optimistic read, checked by etcd, since the finish's transaction is guarded by
 * exactly these revisions. When anything changed meanwhile (another replica, an expired lease, a cancel) the
 * guards fail and the finish reads as before, and a decision other than "finished" taken from known facts is
 * taken again from a read. Also READY nodes a filling finish read for its agent's next finish to fill up with
 * ({@link #reserve}). Each fact is used once ({@link #take}); bounded, oldest out; thread-safe.
 */
final class KnownFacts {
    /** The most facts kept: one per node in flight is what is used. */
    static final int CAPACITY = 16_384;

    private final Map<Keys.NodeRef, NodeFacts> facts = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Keys.NodeRef, NodeFacts> eldest) {
            return size() > CAPACITY;
        }
    };

    /** The most agents with READY nodes set aside ({@link #reserve}); beyond it the oldest are dropped. */
    static final int AGENTS = 4_096;

    /** READY nodes a finish read for its agent's next finish to fill up with, by agent. */
    private final Map<String, java.util.List<Keys.NodeRef>> reserved = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, java.util.List<Keys.NodeRef>> eldest) {
            return size() > AGENTS;
        }
    };

    /**
     * Keeps the facts of READY nodes a finish read for {@code agentId}'s next finish to fill up with, and sets
     * them aside for it ({@link #reservedFor}); they stay claimable by anyone (etcd does not know of this).
     */
    synchronized void reserve(String agentId, java.util.List<NodeFacts> ready) {
        java.util.List<Keys.NodeRef> refs = reserved.computeIfAbsent(agentId, a -> new java.util.ArrayList<>());
        for (NodeFacts f : ready) {
            if (refs.size() < 64) {
                put(f);
                refs.add(new Keys.NodeRef(f.runId(), f.node().name()));
            }
        }
    }

    /** The READY nodes set aside for {@code agentId} (their facts {@link #take}able), no longer set aside. */
    synchronized java.util.List<Keys.NodeRef> reservedFor(String agentId) {
        java.util.List<Keys.NodeRef> refs = reserved.remove(agentId);
        return refs == null ? java.util.List.of() : refs;
    }

    synchronized void put(NodeFacts f) {
        facts.put(new Keys.NodeRef(f.runId(), f.node().name()), f);
    }

    /** The facts known of {@code ref}, forgotten here; null when none are. */
    synchronized NodeFacts take(Keys.NodeRef ref) {
        return facts.remove(ref);
    }

    synchronized int size() {
        return facts.size();
    }
}
