package io.adagio.engine;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** What makes a node name acceptable: it must be usable in URL paths and storage keys. */
public final class NodeNames {
    /** The longest name in UTF-8 bytes. */
    public static final int MAX_BYTES = 256;

    private NodeNames() {
    }

    /** Why the name is not acceptable, or empty when it is. */
    public static Optional<String> problem(String name) {
        if (name.isEmpty()) {
            return Optional.of("empty");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return Optional.of("longer than " + MAX_BYTES + " UTF-8 bytes");
        }
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            if (cp == '/') {
                return Optional.of("contains '/'");
            }
            if (Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT && isBidiControl(cp)) {
                return Optional.of(String.format("contains the control character U+%04X", cp));
            }
            i += Character.charCount(cp);
        }
        return Optional.empty();
    }

    private static boolean isBidiControl(int cp) {
        return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F
                || cp == 0x061C;
    }
}
