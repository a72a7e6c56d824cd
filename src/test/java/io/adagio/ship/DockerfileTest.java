package io.adagio.ship;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Docker cannot run in CI, so the Dockerfile is parsed and checked for what a build or a
 * cluster would trip over: stages, build caching, layered jar, user, port, entrypoint, JVM
 * flags, and a .dockerignore that drops junk without dropping build inputs.
 */
class DockerfileTest {

    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    private static final List<String> LAYERS =
            List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application");

    private static List<Stage> stages;
    private static Stage build;
    private static Stage runtime;

    @BeforeAll
    static void parseDockerfile() throws IOException {
        stages = Stage.split(Dockerfile.parse(Files.readString(ROOT.resolve("Dockerfile"))));
        build = stages.get(0);
        runtime = stages.get(stages.size() - 1);
    }

    @Test
    void buildsOnAJdkAndRunsOnAJreInSeparateStages() {
        assertThat(stages).hasSizeGreaterThanOrEqualTo(2);
        assertThat(build.alias()).isEqualTo("build");
        assertThat(build.image()).startsWith("eclipse-temurin:17-jdk");
        assertThat(runtime.image()).startsWith("eclipse-temurin:17-jre");
        assertThat(runtime.alias()).isNotEqualTo("build");
    }

    @Test
    void dependenciesAreResolvedInALayerBeforeTheSourcesAreCopied() {
        int copyPom = build.indexOf(i -> i.is("COPY") && i.sources().contains("pom.xml"));
        int copyWrapper = build.indexOf(i -> i.is("COPY") && i.sources().stream().anyMatch(s -> s.startsWith(".mvn")));
        int goOffline = build.indexOf(i -> i.is("RUN") && i.args().contains("./mvnw") && i.args().contains("dependency:go-offline"));
        int copySrc = build.indexOf(i -> i.is("COPY") && i.sources().stream().anyMatch(s -> s.startsWith("src")));
        int pkg = build.indexOf(i -> i.is("RUN") && i.args().matches("(?s).*\\./mvnw\\s.*\\bpackage\\b.*"));

        assertThat(copyPom).as("COPY pom.xml").isNotNegative();
        assertThat(copyWrapper).as("COPY .mvn").isNotNegative();
        assertThat(goOffline).as("RUN ./mvnw dependency:go-offline")
                .isGreaterThan(copyPom).isGreaterThan(copyWrapper);
        assertThat(copySrc).as("COPY src after the dependency layer").isGreaterThan(goOffline);
        assertThat(pkg).as("RUN ./mvnw package after COPY src").isGreaterThan(copySrc);
        assertThat(build.instructions().get(pkg).args()).contains("-B").contains("-DskipTests");
    }

    @Test
    void runtimeGetsTheFourSpringBootLayersSeparatelyInCacheFriendlyOrder() {
        Instruction extract = build.find(i -> i.is("RUN") && i.args().contains("-Djarmode=tools")).orElseThrow(
                () -> new AssertionError("no RUN java -Djarmode=tools ... extract in the build stage"));
        assertThat(extract.args()).contains("extract").contains("--layers").contains("--launcher");
        Matcher dest = Pattern.compile("--destination\\s+(\\S+)").matcher(extract.args());
        assertThat(dest.find()).as("extract --destination").isTrue();
        String extracted = dest.group(1).replaceAll("/$", "");

        List<Instruction> copies = runtime.instructions().stream()
                .filter(i -> i.is("COPY") && i.flags().containsKey("from")).toList();
        assertThat(copies).extracting(i -> i.flags().get("from")).containsOnly(build.alias());
        List<String> copied = copies.stream().map(i -> String.join(" ", i.sources())).toList();
        assertThat(copied).hasSize(LAYERS.size());
        String workdir = build.lastValue("WORKDIR").orElse("/");
        for (int n = 0; n < LAYERS.size(); n++) {
            assertThat(copied.get(n).replaceAll("/$", ""))
                    .as("layer %d", n)
                    .isEqualTo(workdir.replaceAll("/$", "") + "/" + extracted + "/" + LAYERS.get(n));
        }
        assertThat(copies).extracting(Instruction::destination).containsOnly("./");
    }

    @Test
    void entrypointIsExecFormJavaStartingTheBootLauncher() {
        Instruction entrypoint = runtime.find(i -> i.is("ENTRYPOINT")).orElseThrow();
        List<String> argv = entrypoint.execForm();
        assertThat(argv).as("exec-form (JSON array) ENTRYPOINT, so java is PID 1 and gets SIGTERM")
                .isNotNull();
        assertThat(argv.get(0)).isEqualTo("java");
        assertThat(argv).contains("org.springframework.boot.loader.launch.JarLauncher");
        assertThat(runtime.find(i -> i.is("CMD") && i.execForm() == null))
                .as("no shell-form CMD that would be appended to the entrypoint").isEmpty();
    }

    @Test
    void runsAsTheNonRootNumericUidTheHelmChartDeclares() throws IOException {
        String user = runtime.lastValue("USER").orElseThrow(() -> new AssertionError("final stage has no USER"));
        String[] uidGid = user.split(":");
        assertThat(uidGid[0]).as("numeric UID, which Kubernetes runAsNonRoot can verify").matches("\\d+");
        assertThat(Integer.parseInt(uidGid[0])).isNotZero();
        assertThat(user).doesNotContain("root");

        Map<String, Object> pod = chartValues("podSecurityContext");
        assertThat(pod.get("runAsUser")).hasToString(uidGid[0]);
        if (uidGid.length > 1) {
            assertThat(pod.get("runAsGroup")).hasToString(uidGid[1]);
        }
    }

    @Test
    void exposesTheHttpPort7890() {
        assertThat(runtime.instructions()).filteredOn(i -> i.is("EXPOSE"))
                .flatExtracting(i -> List.of(i.args().split("\\s+")))
                .containsAnyOf("7890", "7890/tcp");
    }

    @Test
    void jvmSizesItsHeapFromTheContainerLimitAndExitsOnOutOfMemory() {
        Map<String, String> env = runtime.env();
        String opts = env.getOrDefault("JAVA_TOOL_OPTIONS", "") + " " + env.getOrDefault("JDK_JAVA_OPTIONS", "")
                + " " + String.join(" ", Optional.ofNullable(runtime.find(i -> i.is("ENTRYPOINT")).orElseThrow().execForm()).orElse(List.of()));
        assertThat(opts).contains("-XX:MaxRAMPercentage=75").contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(opts).doesNotContainPattern("-Xmx\\d");
    }

    @Test
    void dockerignoreDropsBuildOutputAndRepoMetadataButKeepsTheBuildInputs() throws IOException {
        DockerIgnore ignore = DockerIgnore.parse(Files.readString(ROOT.resolve(".dockerignore")));

        assertThat(ignore.excludes("target")).as("target/").isTrue();
        assertThat(ignore.excludes("target/adagio-0.1.0-SNAPSHOT.jar")).isTrue();
        assertThat(ignore.excludes(".git")).isTrue();
        assertThat(ignore.excludes("helm/adagio/values.yaml")).isTrue();
        assertThat(ignore.excludes("docs/deploy.md")).isTrue();

        for (String needed : List.of("pom.xml", "mvnw", ".mvn/wrapper/maven-wrapper.properties",
                "src/main/java/io/adagio/model/Run.java")) {
            assertThat(ignore.excludes(needed)).as("%s is needed by the build", needed).isFalse();
        }
        // Everything the build stage copies from the context must exist and survive .dockerignore.
        for (Instruction copy : build.instructions()) {
            if (!copy.is("COPY") || copy.flags().containsKey("from")) {
                continue;
            }
            for (String source : copy.sources()) {
                String path = source.replaceAll("/$", "");
                assertThat(ROOT.resolve(path)).as("COPY source %s", source).exists();
                assertThat(ignore.excludes(path)).as("COPY source %s is dockerignored", source).isFalse();
            }
        }
    }

    @Test
    void parserJoinsContinuationLinesAndSkipsComments() {
        List<Instruction> parsed = Dockerfile.parse("""
                # syntax=docker/dockerfile:1
                FROM a:1 AS one
                RUN echo a \\
                # a comment inside the continuation
                  && echo b

                copy --from=one --chown=1:1 /x /y ./
                ENV A="x y" B=z
                """);
        assertThat(parsed).extracting(Instruction::keyword).containsExactly("FROM", "RUN", "COPY", "ENV");
        assertThat(parsed.get(1).args().replaceAll("\\s+", " ")).isEqualTo("echo a && echo b");
        assertThat(parsed.get(1).line()).isEqualTo(3);
        assertThat(parsed.get(2).flags()).containsEntry("from", "one").containsEntry("chown", "1:1");
        assertThat(parsed.get(2).sources()).containsExactly("/x", "/y");
        assertThat(parsed.get(2).destination()).isEqualTo("./");
        assertThat(Stage.split(parsed).get(0).env()).containsEntry("A", "x y").containsEntry("B", "z");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> chartValues(String key) throws IOException {
        try (InputStream in = Files.newInputStream(ROOT.resolve("helm/adagio/values.yaml"))) {
            Map<String, Object> values = new Yaml().load(in);
            return (Map<String, Object>) values.get(key);
        }
    }

    // ---------------------------------------------------------------- minimal Dockerfile model

    record Instruction(int line, String keyword, String args) {

        boolean is(String kw) {
            return keyword.equals(kw);
        }

        /** Leading --name=value flags (COPY --from=..., --chown=...). */
        Map<String, String> flags() {
            Map<String, String> flags = new LinkedHashMap<>();
            for (String word : words()) {
                if (!word.startsWith("--")) {
                    break;
                }
                String[] kv = word.substring(2).split("=", 2);
                flags.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
            return flags;
        }

        /** COPY/ADD operands without flags: all but the last. */
        List<String> sources() {
            List<String> ops = operands();
            return ops.size() < 2 ? List.of() : ops.subList(0, ops.size() - 1);
        }

        String destination() {
            List<String> ops = operands();
            return ops.isEmpty() ? null : ops.get(ops.size() - 1);
        }

        /** The JSON array of an exec-form instruction, or null for shell form. */
        List<String> execForm() {
            String a = args.trim();
            if (!a.startsWith("[") || !a.endsWith("]")) {
                return null;
            }
            List<String> out = new ArrayList<>();
            Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"\\s*(,|\\])").matcher(a);
            int pos = 1;
            while (m.find(pos) && a.substring(pos, m.start()).isBlank()) {
                out.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
                pos = m.end();
                if (m.group(2).equals("]")) {
                    return pos == a.length() ? out : null;
                }
            }
            return a.substring(1, a.length() - 1).isBlank() ? out : null;
        }

        private List<String> words() {
            return List.of(args.trim().split("\\s+"));
        }

        private List<String> operands() {
            return words().stream().dropWhile(w -> w.startsWith("--")).toList();
        }
    }

    static final class Dockerfile {

        static List<Instruction> parse(String text) {
            List<Instruction> out = new ArrayList<>();
            StringBuilder current = null;
            int start = 0;
            String[] lines = text.split("\\R", -1);
            for (int n = 0; n < lines.length; n++) {
                String line = lines[n];
                String trimmed = line.strip();
                if (trimmed.startsWith("#") || (current == null && trimmed.isEmpty())) {
                    continue; // comments (and parser directives) are dropped, even inside continuations
                }
                if (current == null) {
                    current = new StringBuilder();
                    start = n + 1;
                }
                boolean continues = line.stripTrailing().endsWith("\\");
                String content = continues ? line.stripTrailing().substring(0, line.stripTrailing().length() - 1) : line;
                current.append(current.isEmpty() ? content.stripLeading() : content);
                if (!continues) {
                    String full = current.toString().strip();
                    if (!full.isEmpty()) {
                        String[] kw = full.split("\\s+", 2);
                        out.add(new Instruction(start, kw[0].toUpperCase(), kw.length > 1 ? kw[1] : ""));
                    }
                    current = null;
                }
            }
            return out;
        }
    }

    record Stage(String image, String alias, List<Instruction> instructions) {

        static List<Stage> split(List<Instruction> all) {
            List<Stage> stages = new ArrayList<>();
            List<Instruction> body = null;
            for (Instruction i : all) {
                if (i.is("FROM")) {
                    String[] w = i.operands().toArray(String[]::new);
                    String alias = w.length >= 3 && w[1].equalsIgnoreCase("AS") ? w[2] : null;
                    body = new ArrayList<>();
                    stages.add(new Stage(w[0], alias, body));
                } else if (body != null) {
                    body.add(i);
                }
            }
            return stages;
        }

        int indexOf(java.util.function.Predicate<Instruction> p) {
            for (int n = 0; n < instructions.size(); n++) {
                if (p.test(instructions.get(n))) {
                    return n;
                }
            }
            return -1;
        }

        Optional<Instruction> find(java.util.function.Predicate<Instruction> p) {
            return instructions.stream().filter(p).findFirst();
        }

        Optional<String> lastValue(String keyword) {
            return instructions.stream().filter(i -> i.is(keyword)).reduce((a, b) -> b).map(i -> i.args().trim());
        }

        /** ENV in both forms: {@code ENV K=V K2="v 2"} and the legacy {@code ENV K value}. */
        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            Pattern pair = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"((?:[^\"\\\\]|\\\\.)*)\"|'([^']*)'|(\\S*))");
            for (Instruction i : instructions) {
                if (!i.is("ENV")) {
                    continue;
                }
                String a = i.args().trim();
                if (!a.matches("(?s)[A-Za-z_][A-Za-z0-9_]*=.*")) {
                    String[] kv = a.split("\\s+", 2);
                    env.put(kv[0], kv.length > 1 ? kv[1] : "");
                    continue;
                }
                Matcher m = pair.matcher(a);
                while (m.find()) {
                    String v = m.group(3) != null ? m.group(3) : m.group(4) != null ? m.group(4) : m.group(5);
                    env.put(m.group(1), v);
                }
            }
            return env;
        }
    }

    /** .dockerignore matching: last matching pattern wins, '!' re-includes, a match on a parent dir covers its files. */
    record DockerIgnore(List<Pattern> patterns, List<Boolean> negated) {

        static DockerIgnore parse(String text) {
            List<Pattern> patterns = new ArrayList<>();
            List<Boolean> negated = new ArrayList<>();
            for (String raw : text.split("\\R")) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                boolean neg = line.startsWith("!");
                String p = (neg ? line.substring(1) : line).strip().replaceAll("^/+", "").replaceAll("/+$", "");
                patterns.add(Pattern.compile(globToRegex(p)));
                negated.add(neg);
            }
            return new DockerIgnore(patterns, negated);
        }

        boolean excludes(String path) {
            boolean excluded = false;
            for (int n = 0; n < patterns.size(); n++) {
                if (matchesSelfOrParent(patterns.get(n), path)) {
                    excluded = !negated.get(n);
                }
            }
            return excluded;
        }

        private static boolean matchesSelfOrParent(Pattern p, String path) {
            String candidate = path;
            while (true) {
                if (p.matcher(candidate).matches()) {
                    return true;
                }
                int slash = candidate.lastIndexOf('/');
                if (slash < 0) {
                    return false;
                }
                candidate = candidate.substring(0, slash);
            }
        }

        private static String globToRegex(String glob) {
            StringBuilder re = new StringBuilder();
            for (int i = 0; i < glob.length(); i++) {
                char c = glob.charAt(i);
                if (glob.startsWith("**/", i)) {
                    re.append("(?:.*/)?");
                    i += 2;
                } else if (glob.startsWith("**", i)) {
                    re.append(".*");
                    i += 1;
                } else if (c == '*') {
                    re.append("[^/]*");
                } else if (c == '?') {
                    re.append("[^/]");
                } else {
                    re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return re.toString();
        }
    }
}
