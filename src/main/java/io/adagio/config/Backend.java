package io.adagio.config;

/** Where state lives: in this process ({@code memory}) or in an etcd cluster ({@code etcd}). */
public enum Backend {
    MEMORY, ETCD
}
