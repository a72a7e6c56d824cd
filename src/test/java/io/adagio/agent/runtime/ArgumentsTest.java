package io.adagio.agent.runtime;

import io.adagio.model.MetadataValues;
import io.adagio.model.NodeSpec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ArgumentsTest {
    private static Arguments args(Map<String, MetadataValues> metadata, Map<String, byte[]> inputs) {
        return new Arguments(new NodeSpec("node", "debug", metadata, Map.of()), inputs);
    }

    private static Arguments args(Map<String, MetadataValues> metadata) {
        return args(metadata, Map.of());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsTheDocumentedKey() {
        Arguments a = args(Map.of("adagio.arguments.debug.sleep", MetadataValues.of("250ms")));
        assertThat(a.one("sleep")).contains("250ms");
        assertThat(a.all("sleep")).containsExactly("250ms");
    }

    @Test
    void readsOnlyTheNodesOwnRuntime() {
        Arguments a = args(Map.of("adagio.arguments.exec.command", MetadataValues.of("ls")));
        assertThat(a.one("command")).isEmpty();
        assertThat(a.all("command")).isEmpty();
    }

    @Test
    void absentArgumentIsEmpty() {
        assertThat(args(Map.of()).one("sleep")).isEmpty();
        assertThat(args(Map.of()).all("chances")).isEmpty();
    }

    @Test
    void readsTheLegacyAliasWhenTheDocumentedKeyIsAbsent() {
        Arguments a = args(Map.of("adagio.runtime.debug.conclusion", MetadataValues.of("fail")));
        assertThat(a.one("conclusion")).contains("fail");
    }

    @Test
    void documentedKeyWinsOverTheLegacyAlias() {
        Arguments a = args(Map.of(
                "adagio.arguments.debug.conclusion", MetadataValues.of("error"),
                "adagio.runtime.debug.conclusion", MetadataValues.of("fail")));
        assertThat(a.one("conclusion")).contains("error");
    }

    @Test
    void documentedKeyWinsEvenWhenItHasNoValues() {
        Arguments a = args(Map.of(
                "adagio.arguments.debug.chances", new MetadataValues(null),
                "adagio.runtime.debug.chances", MetadataValues.of("1.0 fail")));
        assertThat(a.all("chances")).isEmpty();
    }

    @Test
    void explicitArgumentWinsOverAnInputMapping() {
        Arguments a = args(Map.of(
                "adagio.arguments.debug.sleep", MetadataValues.of("1ms"),
                "adagio.inputs.debug.sleep", MetadataValues.of("up")), Map.of("up", utf8("5s")));
        assertThat(a.one("sleep")).contains("1ms");
    }

    @Test
    void inputMappingYieldsTheUpstreamOutputAsUtf8() {
        Arguments a = args(Map.of("adagio.inputs.debug.text", MetadataValues.of("up")),
                Map.of("up", utf8("größe €"), "other", utf8("no")));
        assertThat(a.one("text")).contains("größe €");
        assertThat(a.all("text")).containsExactly("größe €");
    }

    @Test
    void inputMappingToANullOutputYieldsAnEmptyString() {
        Map<String, byte[]> inputs = new HashMap<>();
        inputs.put("up", null);
        Arguments a = args(Map.of("adagio.inputs.debug.text", MetadataValues.of("up")), inputs);
        assertThat(a.one("text")).contains("");
    }

    @Test
    void inputMappingToANodeThatIsNotAnInputIsRejected() {
        Arguments a = args(Map.of("adagio.inputs.debug.text", MetadataValues.of("ghost")), Map.of("up", utf8("x")));
        assertThatIllegalArgumentException().isThrownBy(() -> a.all("text")).withMessageContaining("ghost");
        assertThatIllegalArgumentException().isThrownBy(() -> a.one("text"));
    }

    @Test
    void inputMappingMustNameExactlyOneNode() {
        Map<String, byte[]> inputs = new LinkedHashMap<>();
        inputs.put("a", utf8("1"));
        inputs.put("b", utf8("2"));
        Arguments a = args(Map.of("adagio.inputs.debug.text", MetadataValues.of("a", "b")), inputs);
        assertThatIllegalArgumentException().isThrownBy(() -> a.all("text")).withMessageContaining("exactly one");
    }

    @Test
    void oneRejectsSeveralValues() {
        Arguments a = args(Map.of("adagio.arguments.debug.sleep", MetadataValues.of("1ms", "2ms")));
        assertThatIllegalArgumentException().isThrownBy(() -> a.one("sleep")).withMessageContaining("one value");
        assertThat(a.all("sleep")).containsExactly("1ms", "2ms");
    }
}
