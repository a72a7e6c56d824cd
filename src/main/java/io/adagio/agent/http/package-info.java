/** The agent pool's port over the public HTTP + SSE API (java.net.http): what a remote agent does. */
package io.adagio.agent.http;
