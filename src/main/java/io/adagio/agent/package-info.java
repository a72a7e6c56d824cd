/**
 * The built-in agent pool: agents that talk to a control plane only through the public HTTP + SSE API
 * (java.net.http), whether it runs in this process or elsewhere.
 */
package io.adagio.agent;
