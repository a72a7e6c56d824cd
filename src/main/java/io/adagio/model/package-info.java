/**
 * The domain values of adagio as immutable records: graph specs, runs, nodes, results, claims, agents, events.
 * No Spring and no storage here; the JSON names follow the original's gateway (snake_case, enums by name).
 */
package io.adagio.model;
