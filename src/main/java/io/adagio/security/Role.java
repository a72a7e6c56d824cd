package io.adagio.security;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What a token may do. {@code reader}: every read and the observer streams; {@code operator}: start and control
 * runs (and read); {@code agent}: an agent's calls, for the agent ids its token allows; {@code admin}: everything.
 */
public enum Role {
    READER, OPERATOR, AGENT, ADMIN;

    /** The roles this one includes (itself too). */
    public Set<Role> includes() {
        return switch (this) {
            case READER -> EnumSet.of(READER);
            case OPERATOR -> EnumSet.of(OPERATOR, READER);
            case AGENT -> EnumSet.of(AGENT);
            case ADMIN -> EnumSet.allOf(Role.class);
        };
    }

    /**
     * The role of a configured name ({@code reader}, {@code operator}, {@code agent}, {@code admin}, any case).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Role named(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown role '" + name + "': use reader, operator, agent or admin", e);
        }
    }

    /** The name as configured. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
