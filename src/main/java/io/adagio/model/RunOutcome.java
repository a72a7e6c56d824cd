package io.adagio.model;

/**
 * A run's verdict, present once it is decided: SUCCEEDED when every node completed with a SUCCESS,
 * FAILED as soon as some node failed for good (its downstream is then skipped), CANCELLED as soon as someone
 * cancelled it (a value of our own: the original has no cancel).
 */
public enum RunOutcome {
    SUCCEEDED, FAILED, CANCELLED
}
