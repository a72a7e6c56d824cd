package io.adagio.repository;

/** A live event subscription; closing it stops delivery (idempotent). */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
