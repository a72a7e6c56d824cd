/**
 * The runtime SPI ({@link io.adagio.agent.runtime.NodeRuntime}) and the built-in runtimes {@code debug} and
 * {@code exec}. Add a runtime by declaring a NodeRuntime bean and listing its name in adagio.agent.runtimes.
 */
package io.adagio.agent.runtime;
