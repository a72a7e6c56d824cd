package io.adagio.model;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A value worked out when it is first asked for, once (whichever thread asks first; a race works it out twice, to
 * the same value). Two are equal when their values are. For what a store tells that few read: an observer's view
 * of a node changed by another replica is decoded from the stored value only if an observer looks.
 *
 * @param <T> the value's type
 */
public final class Deferred<T> implements Supplier<T> {
    private final Supplier<? extends T> source;
    private volatile T value;

    private Deferred(Supplier<? extends T> source, T value) {
        this.source = source;
        this.value = value;
    }

    /** A value worked out by {@code source} (which must not answer null) when first asked for. */
    public static <T> Deferred<T> of(Supplier<? extends T> source) {
        return new Deferred<>(Objects.requireNonNull(source), null);
    }

    /** A value known already. */
    public static <T> Deferred<T> known(T value) {
        return new Deferred<>(null, Objects.requireNonNull(value));
    }

    @Override
    public T get() {
        T v = value;
        if (v == null) {
            v = Objects.requireNonNull(source.get());
            value = v;
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Deferred<?> other && get().equals(other.get());
    }

    @Override
    public int hashCode() {
        return get().hashCode();
    }

    @Override
    public String toString() {
        return String.valueOf(get());
    }
}
