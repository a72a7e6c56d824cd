package io.adagio.api;

import io.adagio.config.ServesApi;
import io.adagio.control.Runs;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Counts over the whole store. */
@RestController
@ServesApi
class StatsController {
    private final Runs runs;

    StatsController(Runs runs) {
        this.runs = runs;
    }

    @GetMapping(path = "/v0/stats", produces = MediaType.APPLICATION_JSON_VALUE)
    Envelopes.StatsBody stats() {
        return new Envelopes.StatsBody(runs.stats());
    }
}
