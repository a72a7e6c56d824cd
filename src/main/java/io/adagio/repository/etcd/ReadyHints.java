package io.adagio.repository.etcd;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Predicate;

/**
 * The nodes this replica believes READY, oldest first, kept from its watch (a ready state key put adds its node,
 * deleted removes it) and from the ready keys its batch claims list. A hint, never an authority: a finish that
 * fills its agent up with READY nodes in its own transaction ({@link io.adagio.repository.Dispatch#fill}) reads
 * the nodes it {@link #take}s with the finished node, claims those still READY, guarded as read, and leaves the
 * rest of the filling to a batch claim, which lists etcd's ready keys itself. So a stale hint costs five gets in
 * a read that happens anyway, and a missing one a batch claim, as before hints. Bounded; thread-safe.
 */
final class ReadyHints {
    /** The most nodes held: beyond it new ones are not added (batch claims find them). */
    static final int CAPACITY = 65_536;
    /** The most hints looked at by one {@link #take}, so that nodes of runtimes nobody takes cost little. */
    static final int SCAN = 256;
    /** The oldest accepted hints a {@link #take} chooses among. */
    static final int CHOICE = 16;

    private final LinkedHashSet<Keys.NodeRef> ready = new LinkedHashSet<>();

    synchronized void add(Keys.NodeRef ref) {
        if (ready.size() < CAPACITY) {
            ready.add(ref);
        }
    }

    synchronized void remove(Keys.NodeRef ref) {
        ready.remove(ref);
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
