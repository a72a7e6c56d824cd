package io.adagio.api;

/**
 * What the firewall lets through in a header's name or value: assigned Unicode code points that are not control
 * characters — Spring Security's own rule ({@code [\p{IsAssigned}&&[^\p{IsControl}]]*}), checked without a regular
 * expression: the firewall checks every header a request's handling reads, several times per request (a few
 * percent of an agent call's CPU went to the pattern's matcher).
 */
final class HeaderText {
    private HeaderText() {
    }

    static boolean allowed(String s) {
        if (s == null) {
            return true;
        }
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (Character.isISOControl(cp) || Character.getType(cp) == Character.UNASSIGNED) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }
}
