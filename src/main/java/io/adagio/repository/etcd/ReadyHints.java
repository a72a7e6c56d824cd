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
 * node's value put in the same revision: {@link #seen}; at most {@value #FACTS} and {@link #FACT_BYTES} bytes of
 * values, the oldest going first), so the claim needs no read; a node without them is read.
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
    /** The most bytes of node values kept as facts; beyond it the oldest facts go (their hints stay). */
    static final long FACT_BYTES = 16L << 20;

    private final LinkedHashSet<Keys.NodeRef> ready = new LinkedHashSet<>();
    /** The facts the watch saw with a hint's ready key, decoded when used; until taken or the key goes. */
    private final java.util.LinkedHashMap<Keys.NodeRef, Seen> facts = new java.util.LinkedHashMap<>();
    /** The bytes of the node values {@link #facts} hold. */
    private long factBytes;

    /** Facts as the watch saw them, decoded when used, and the bytes of the value they hold on to. */
    private record Seen(java.util.function.Supplier<NodeFacts> facts, long bytes) {
    }

    synchronized void add(Keys.NodeRef ref) {
        if (ready.size() < CAPACITY) {
            ready.add(ref);
        }
    }

    /**
     * A hint with the facts the watch saw with its ready key, at that revision ({@link #factsOf}); {@code bytes}: the
     * size of the node value they hold on to (a value larger than the whole budget is hinted without them).
     */
    synchronized void seen(Keys.NodeRef ref, java.util.function.Supplier<NodeFacts> seen, long bytes) {
        if (ready.size() >= CAPACITY) {
            return;
        }
        ready.add(ref);
        forget(ref);
        if (bytes > FACT_BYTES) {
            return;
        }
        facts.put(ref, new Seen(seen, bytes));
        factBytes += bytes;
        java.util.Iterator<Seen> oldest = facts.values().iterator();
        while (facts.size() > FACTS || factBytes > FACT_BYTES) {
            factBytes -= oldest.next().bytes();
            oldest.remove();
        }
    }

    /** Its ready key went: neither the hint nor its facts hold any more. */
    synchronized void remove(Keys.NodeRef ref) {
        ready.remove(ref);
        forget(ref);
    }

    /** The facts of {@code ref} forgotten; what they were, or null. */
    private Seen forget(Keys.NodeRef ref) {
        Seen gone = facts.remove(ref);
        if (gone != null) {
            factBytes -= gone.bytes();
        }
        return gone;
    }

    /**
     * The facts the watch saw with the ready key of a node (usually one just {@link #take}n), forgotten here; null
     * when it has none (it came from a listing, a finish gave it back, or its facts were crowded out).
     */
    NodeFacts factsOf(Keys.NodeRef ref) {
        Seen seen;
        synchronized (this) {
            seen = forget(ref);
        }
        return seen == null ? null : seen.facts().get(); // decoded outside the lock
    }

    /** The bytes of node values held as facts. */
    synchronized long factBytes() {
        return factBytes;
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
