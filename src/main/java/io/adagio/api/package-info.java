/**
 * The web edge: REST controllers for runs, nodes, agents and stats, the agents' SSE streams, and the one
 * exception handler that turns every failure into an RFC 9457 problem with a stable type.
 */
package io.adagio.api;
