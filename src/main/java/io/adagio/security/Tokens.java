package io.adagio.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The configured bearer tokens, as hashes: a presented token is hashed (SHA-256) and compared with every
 * configured hash in constant time ({@link MessageDigest#isEqual}), all of them each time, so neither the time
 * taken nor the order of configuration tells anything about which hash was close. The tokens themselves are
 * never configured, logged or kept.
 */
public final class Tokens {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern AGENT = Pattern.compile("[^*\\s]+\\*?|\\*");

    /** One configured token: the hex SHA-256 of the token, its roles and the agent ids it may act as. */
    public record Spec(String sha256, List<String> roles, List<String> agents) {
    }

    private record Entry(byte[] hash, Caller caller) {
    }

    private final List<Entry> entries;
    private final Map<String, Entry> byName;

    /**
     * @param specs token name → its spec
     * @throws IllegalArgumentException naming the property at fault: a hash that is not 64 hex digits (a token
     *                                  pasted in place of its hash is refused, never used), no or an unknown role,
     *                                  an agent role without agent ids, or two names with the same hash
     */
    public Tokens(Map<String, Spec> specs) {
        List<Entry> out = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        (specs == null ? Map.<String, Spec>of() : specs).forEach((name, spec) -> {
            String where = "adagio.security.tokens." + name;
            String hash = spec == null || spec.sha256() == null ? "" : spec.sha256().trim().toLowerCase(Locale.ROOT);
            if (!HEX.matcher(hash).matches()) {
                throw new IllegalArgumentException(where + ".sha256 must be the hex SHA-256 of the token (64 hex digits; "
                        + "e.g. printf %s \"$TOKEN\" | sha256sum), never the token itself");
            }
            String other = seen.put(hash, name);
            if (other != null) {
                throw new IllegalArgumentException(where + ".sha256 is also the hash of token " + other);
            }
            List<String> roleNames = spec.roles() == null ? List.of() : spec.roles();
            if (roleNames.isEmpty()) {
                throw new IllegalArgumentException(where + ".roles is empty: give reader, operator, agent or admin");
            }
            Set<Role> roles = java.util.EnumSet.noneOf(Role.class);
            for (String r : roleNames) {
                try {
                    roles.add(Role.named(r));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + ".roles: " + e.getMessage(), e);
                }
            }
            List<String> agents = spec.agents() == null ? List.of() : spec.agents().stream().map(String::trim)
                    .filter(a -> !a.isEmpty()).toList();
            for (String a : agents) {
                if (!AGENT.matcher(a).matches()) {
                    throw new IllegalArgumentException(where + ".agents: '" + a + "' is neither an agent id nor a prefix ending in *");
                }
            }
            if (roles.contains(Role.AGENT) && agents.isEmpty()) {
                throw new IllegalArgumentException(where + ".agents is empty: an agent token names the agent ids it may "
                        + "act as (exact ids, or a prefix ending in *)");
            }
            out.add(new Entry(HexFormat.of().parseHex(hash), new Caller(name, roles, agents)));
        });
        this.entries = List.copyOf(out);
        Map<String, Entry> named = new LinkedHashMap<>();
        out.forEach(e -> named.put(e.caller().name(), e));
        this.byName = Map.copyOf(named);
    }

    /** The caller of the token configured under {@code name}; empty when none is (any more). */
    public Optional<Caller> named(String name) {
        Entry e = name == null ? null : byName.get(name);
        return e == null ? Optional.empty() : Optional.of(e.caller());
    }

    /**
     * The configured hash of the token named {@code name} (what a session is bound to, so that changing the token
     * ends its sessions); empty when no token has that name.
     */
    public Optional<byte[]> hashNamed(String name) {
        Entry e = name == null ? null : byName.get(name);
        return e == null ? Optional.empty() : Optional.of(e.hash().clone());
    }

    /** Whether any token is configured (else the API is open, as on a laptop). */
    public boolean enabled() {
        return !entries.isEmpty();
    }

    /** The caller a presented token makes; empty when it is none of the configured ones. */
    public Optional<Caller> authenticate(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        byte[] hash = sha256(presented);
        Caller found = null;
        for (Entry e : entries) { // every entry, whatever matched: the time does not depend on which
            if (MessageDigest.isEqual(hash, e.hash()) && found == null) {
                found = e.caller();
            }
        }
        return Optional.ofNullable(found);
    }

    /** The hex SHA-256 of a token, as {@code adagio.security.tokens.<name>.sha256} wants it. */
    public static String hashOf(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
