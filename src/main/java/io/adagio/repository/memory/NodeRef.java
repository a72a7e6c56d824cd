package io.adagio.repository.memory;

/** A node of a run, by run id and name. */
record NodeRef(String runId, String name) {
}
