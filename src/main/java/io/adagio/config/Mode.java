package io.adagio.config;

/** What one process runs: the API and the agent pool ({@code all}), only the API, or only the pool. */
public enum Mode {
    ALL, API, AGENT;

    public boolean servesApi() {
        return this != AGENT;
    }

    public boolean runsAgents() {
        return this != API;
    }
}
