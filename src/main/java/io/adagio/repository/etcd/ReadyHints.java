package io.adagio.repository.etcd;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Predicate;

/**
 * The nodes this replica believes READY, oldest first, kept from its watch (a ready state key put adds its node,
 * deleted removes it) and from the ready keys its batch claims list. A hint, never an authority: a finish that
 * fills its agent up with READY nodes in its own transaction ({@link io.adagio.repository.Dispatch#fill}) or a
 * batch claim claims the nodes it {@link #take}s guarded by their facts, and a filling finish leaves the rest to a
 * batch claim, which lists etcd's ready keys itself. The facts are those the watch saw with the ready key (the
 * node's value put in the same revision: {@link #seen}), so the claim needs no read; a node without them is read.
 * Facts that are no longer true make the guarded transaction fail, and it reads again; a missing hint costs a
 * batch claim, as before hints. Bounded; thread-safe.
 */
final class ReadyHints {
    /** The most nodes held: beyond it new ones are not added (batch claims find them). */
    static final int CAPACITY = 65_536;
    /** The most hints looked at by one {@link #take}, so that nodes of runtimes nobody takes cost little. */
    static final int SCAN = 256;
    /** The oldest accepted hints a {@link #take} chooses among. */
    static final int CHOICE = 16;

    /** The most hints kept with their facts ({@link #seen}); beyond it the oldest facts go (their hints stay). */
    static final int FACTS = 16_384;

    private final LinkedHashSet<Keys.NodeRef> ready = new LinkedHashSet<>();
    /** The facts the watch saw with a hint's ready key, decoded when used; until taken or the key goes. */
    private final java.util.Map<Keys.NodeRef, java.util.function.Supplier<NodeFacts>> facts =
            new java.util.LinkedHashMap<>(256, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<Keys.NodeRef,
                        java.util.function.Supplier<NodeFacts>> eldest) {
                    return size() > FACTS;
                }
            };

    synchronized void add(Keys.NodeRef ref) {
        if (ready.size() < CAPACITY) {
            ready.add(ref);
        }
    }

    /** A hint with the facts the watch saw with its ready key, at that revision ({@link #factsOf}). */
    synchronized void seen(Keys.NodeRef ref, java.util.function.Supplier<NodeFacts> seen) {
        if (ready.size() < CAPACITY) {
            ready.add(ref);
            facts.put(ref, seen);
        }
    }

    /** Its ready key went: neither the hint nor its facts hold any more. */
    synchronized void remove(Keys.NodeRef ref) {
        ready.remove(ref);
        facts.remove(ref);
    }

    /**
     * The facts the watch saw with the ready key of a node (usually one just {@link #take}n), forgotten here; null
     * when it has none (it came from a listing, a finish gave it back, or its facts were crowded out).
     */
    NodeFacts factsOf(Keys.NodeRef ref) {
        java.util.function.Supplier<NodeFacts> seen;
        synchronized (this) {
            seen = facts.remove(ref);
        }
        return seen == null ? null : seen.get(); // decoded outside the lock
    }

    /**
     * Removes and returns up to {@code n} hints that {@code wanted} accepts, chosen at random among the oldest
     * {@value #CHOICE} (or {@code n}, when more) it accepts, so that replicas taking from the same watch rarely
     * want the same node; it looks at most at {@value #SCAN} hints, and those it refuses stay. The caller reads
     * them: a node taken is not offered to another caller of this replica meanwhile, and is {@link #add}ed back
     * when it stays READY unclaimed.
     */
    synchronized List<Keys.NodeRef> take(int n, Predicate<Keys.NodeRef> wanted) {
        if (n <= 0) {
            return List.of();
        }
        List<Keys.NodeRef> choice = new ArrayList<>();
        Iterator<Keys.NodeRef> it = ready.iterator();
        int most = Math.max(n, CHOICE);
        for (int seen = 0; choice.size() < most && seen < SCAN && it.hasNext(); seen++) {
            Keys.NodeRef ref = it.next();
            if (wanted.test(ref)) {
                choice.add(ref);
            }
        }
        if (choice.size() > n) {
            java.util.Collections.shuffle(choice, java.util.concurrent.ThreadLocalRandom.current());
            choice = new ArrayList<>(choice.subList(0, n));
        }
        choice.forEach(ready::remove);
        return choice;
    }

    synchronized int size() {
        return ready.size();
    }
}
