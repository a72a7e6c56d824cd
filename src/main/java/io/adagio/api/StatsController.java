package io.adagio.api;

import io.adagio.config.ServesApi;
import io.adagio.repository.Repository;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Counts over the whole store. */
@RestController
@ServesApi
class StatsController {
    private final Repository repository;

    StatsController(Repository repository) {
        this.repository = repository;
    }

    @GetMapping(path = "/v0/stats", produces = MediaType.APPLICATION_JSON_VALUE)
    Envelopes.StatsBody stats() {
        return new Envelopes.StatsBody(repository.stats());
    }
}
