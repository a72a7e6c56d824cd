/**
 * The storage port: every operation the control plane and agents need, its exception tree and the event
 * cursor. Backends live in sub-packages ({@code memory}, {@code etcd}) and pass the same conformance suite.
 */
package io.adagio.repository;
