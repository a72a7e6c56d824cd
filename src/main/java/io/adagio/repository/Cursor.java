package io.adagio.repository;

/**
 * A position in the event history: event {@code index} of store revision {@code revision}. The position
 * "after everything of revision R" is written {@code R}; one event is {@code R.i}. Comparable across
 * replicas of one store, since revisions are the store's.
 */
public record Cursor(long revision, int index) implements Comparable<Cursor> {
    /** After every event of that revision. */
    public static Cursor endOf(long revision) {
        return new Cursor(revision, Integer.MAX_VALUE);
    }

    /**
     * Parses {@code R} or {@code R.i}.
     *
     * @throws IllegalArgumentException when the text is not a cursor
     */
    public static Cursor parse(String text) {
        try {
            int dot = text.indexOf('.');
            if (dot < 0) {
                return endOf(Long.parseLong(text.trim()));
            }
            Cursor c = new Cursor(Long.parseLong(text.substring(0, dot)), Integer.parseInt(text.substring(dot + 1)));
            if (c.revision < 0 || c.index < 0) {
                throw new NumberFormatException("negative");
            }
            return c;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an event cursor: " + text, e);
        }
    }

    @Override
    public int compareTo(Cursor o) {
        int c = Long.compare(revision, o.revision);
        return c != 0 ? c : Integer.compare(index, o.index);
    }

    public boolean isAfter(Cursor o) {
        return compareTo(o) > 0;
    }

    @Override
    public String toString() {
        return index == Integer.MAX_VALUE ? Long.toString(revision) : revision + "." + index;
    }
}
