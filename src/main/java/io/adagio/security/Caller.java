package io.adagio.security;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Who made a request: the name of the token presented, its roles (with what they include) and the agent ids it may
 * act as (exact ids, or prefixes ending in {@code *}).
 *
 * @param name   the token's configured name (never the token)
 * @param roles  its roles
 * @param agents the agent ids it may act as
 */
public record Caller(String name, Set<Role> roles, List<String> agents) {
    public Caller {
        Set<Role> all = EnumSet.noneOf(Role.class);
        roles.forEach(r -> all.addAll(r.includes()));
        roles = Set.copyOf(all);
        agents = List.copyOf(agents);
    }

    /** Whether it has {@code role} (directly, or through a role that includes it). */
    public boolean has(Role role) {
        return roles.contains(role);
    }

    /** Whether it may act as agent {@code agentId}: an admin always; an agent when one of its patterns matches. */
    public boolean mayActAs(String agentId) {
        if (has(Role.ADMIN)) {
            return true;
        }
        if (!has(Role.AGENT) || agentId == null) {
            return false;
        }
        for (String pattern : agents) {
            if (pattern.endsWith("*") ? agentId.startsWith(pattern.substring(0, pattern.length() - 1)) : pattern.equals(agentId)) {
                return true;
            }
        }
        return false;
    }
}
