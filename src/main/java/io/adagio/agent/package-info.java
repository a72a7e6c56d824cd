/**
 * The built-in agent pool: agents with slots that talk to a control plane only through their own port
 * ({@link io.adagio.agent.ControlPlane}: over HTTP + SSE, or in process), whether it runs here or elsewhere.
 */
package io.adagio.agent;
