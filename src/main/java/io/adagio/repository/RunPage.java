package io.adagio.repository;

import io.adagio.model.Run;

import java.util.List;

/**
 * A page of runs, newest first, and where the next one begins.
 *
 * @param runs the runs
 * @param next the {@link RunQuery#before} of the next page (the id of the last run looked at), or null when no
 *             run is left to look at
 */
public record RunPage(List<Run> runs, String next) {
    public RunPage {
        runs = List.copyOf(runs);
    }
}
