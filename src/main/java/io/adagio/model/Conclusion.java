package io.adagio.model;

/** How an attempt ended: SUCCESS; FAIL (the work ran and failed); ERROR (the system could not run it). */
public enum Conclusion {
    NONE, SUCCESS, FAIL, ERROR
}
