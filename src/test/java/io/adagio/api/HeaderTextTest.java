package io.adagio.api;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The firewall's header rule without a regular expression lets through exactly what Spring Security's pattern does. */
class HeaderTextTest {
    private static final Pattern SPRING = Pattern.compile("[\\p{IsAssigned}&&[^\\p{IsControl}]]*");

    @Test
    void everyCodePointIsJudgedAsSpringSecuritysPatternJudgesIt() {
        List<String> disagree = new ArrayList<>();
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            String one = new String(Character.toChars(cp));
            if (HeaderText.allowed(one) != SPRING.matcher(one).matches()) {
                disagree.add(Integer.toHexString(cp));
            }
        }
        assertThat(disagree).isEmpty();
    }

    @Test
    void aValueIsAllowedOnlyWhenEachOfItsCharactersIs() {
        for (String s : List.of("", "application/json", "Bearer abc.def", "text/event-stream; q=0.9", "ä😀名", "a\tb", "a\u0000",
                "\u007f", "x\u0085y", "\ud800", "a\udc00b", "\ud83d\ude00", "\uffff", "line\r\nbreak")) {
            assertThat(HeaderText.allowed(s)).as("%s", s.codePoints().mapToObj(Integer::toHexString).toList())
                    .isEqualTo(SPRING.matcher(s).matches());
        }
        assertThat(HeaderText.allowed("application/json")).isTrue();
        assertThat(HeaderText.allowed("a\u0000")).isFalse();
    }
}
