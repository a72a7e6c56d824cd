/**
 * The storage port: every operation the control plane and agents need, its exception tree, the event cursor
 * and the one subscriber fan-out ({@code EventFanout}) both backends plug into. Backends live in sub-packages
 * ({@code memory}, {@code etcd}) and pass the same conformance suite.
 */
package io.adagio.repository;
