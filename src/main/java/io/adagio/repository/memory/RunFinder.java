package io.adagio.repository.memory;

import com.github.f4b6a3.ulid.Ulid;
import io.adagio.engine.RunVerdict;
import io.adagio.model.Node;
import io.adagio.model.Run;
import io.adagio.repository.RunPage;
import io.adagio.repository.RunQuery;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;

/** A page of runs, newest first, from the memory backend's runs by id (ULIDs: ordered by creation time). */
final class RunFinder {
    private RunFinder() {
    }

    /** Under the repository's lock. */
    static RunPage find(NavigableMap<String, StoredRun> runs, RunQuery query) {
        if (query.limit() <= 0 || query.newest().isBefore(query.oldest())) {
            return new RunPage(List.of(), null);
        }
        NavigableMap<String, StoredRun> range = runs.subMap(
                Ulid.min(query.oldest().toEpochMilli()).toString(), true,
                Ulid.max(query.newest().toEpochMilli()).toString(), true).descendingMap();
        if (query.before() != null) {
            range = range.tailMap(query.before(), false);
        }
        List<Run> out = new ArrayList<>();
        int looked = 0;
        String last = null;
        for (StoredRun r : range.values()) {
            if (out.size() >= query.limit() || query.filters() && looked >= RunQuery.SCAN_BUDGET) {
                return new RunPage(out, last);
            }
            looked++;
            last = r.id;
            if (!query.includes(r.createdAt)) {
                continue;
            }
            if (query.filters()) {
                List<Node> current = Arrays.asList(r.nodes);
                if (!query.matches(RunVerdict.status(current), RunVerdict.outcome(current))) {
                    continue;
                }
            }
            out.add(r.view());
        }
        return new RunPage(out, null);
    }
}
