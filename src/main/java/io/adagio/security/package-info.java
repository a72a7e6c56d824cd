/**
 * Who may do what: bearer tokens kept as SHA-256 hashes ({@link Tokens}), the {@link Caller} a token makes, its
 * {@link Role roles} and the agent ids it may act as. Plain Java, no Spring: the web layer asks, this decides.
 */
package io.adagio.security;
