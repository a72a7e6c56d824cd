/**
 * The rules of the engine as pure functions over model values: graph validation, run creation,
 * claim/finish/orphan transitions, retry policy and run status. Deterministic, no I/O, no Spring.
 */
package io.adagio.engine;
