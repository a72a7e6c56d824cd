/**
 * The in-memory backend, the embedded default: one lock, a revision counter, a bounded event history and
 * agent leases, so resuming, compaction and orphaning behave as they do on etcd.
 */
package io.adagio.repository.memory;
