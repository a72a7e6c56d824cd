package io.adagio.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Lints and renders helm/adagio with the Helm library bundled by helm-java, then checks the
 * manifests a cluster would get: what runs, in which mode, against which backend, how it is
 * probed, shut down, exposed and scraped.
 */
class HelmChartTest {

    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    private static final Path CHART = ROOT.resolve("helm/adagio");
    private static final Path TEST_VALUES = ROOT.resolve("src/test/resources/helm");
    private static final String RELEASE = "prod";
    private static final String NAMESPACE = "workflows";

    // ------------------------------------------------------------------------------- lint

    @Test
    void strictLintPassesWithDefaultValues() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"etcd-deployed-values.yaml", "external-etcd-values.yaml", "external-etcd-tls-values.yaml"})
    void strictLintPassesWithNonDefaultValues(String valuesFile, @TempDir Path tmp) throws IOException {
        // helm lint takes no values file through helm-java: lint a copy whose values.yaml is the merge.
        Path copy = copyChart(tmp.resolve("adagio"));
        Map<String, Object> merged = deepMerge(loadYaml(CHART.resolve("values.yaml")), loadYaml(TEST_VALUES.resolve(valuesFile)));
        Files.writeString(copy.resolve("values.yaml"), new Yaml().dump(merged));

        LintResult result = new Helm(copy).lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    // ------------------------------------------------------------------------------- defaults

    @Test
    void defaultsRunOneAllInOneControlPlaneOnTheMemoryBackendPlusAnAgentPool() {
        Manifests m = render(t -> t);

        assertThat(m.kinds()).containsExactlyInAnyOrder("ServiceAccount", "Secret", "Service", "Deployment", "Deployment");
        Map<String, Object> cp = m.get("Deployment", "prod-adagio");
        assertThat(val(cp, "spec.replicas")).isEqualTo(1);
        assertThat(val(cp, "spec.strategy.type")).as("never two in-memory engines during a rollout").isEqualTo("Recreate");
        Map<String, String> env = env(cp);
        assertThat(env).containsEntry("ADAGIO_MODE", "all").containsEntry("ADAGIO_BACKEND", "memory")
                .doesNotContainKey("ADAGIO_ETCD_ENDPOINTS");
        assertThat(env).as("mode all runs the built-in agent pool with the agent settings")
                .containsEntry("ADAGIO_AGENT_CONCURRENCY", "4").containsEntry("ADAGIO_AGENT_SLOTS", "1")
                .containsEntry("ADAGIO_AGENT_RUNTIMES", "debug");
        assertThat(m.ofKind("PodDisruptionBudget")).as("no PDB for a single replica").isEmpty();
    }

    @Test
    void finishedRunsAreKeptThirtyDaysByDefaultOrForeverWhenRetentionIsEmpty() {
        assertThat(env(render(t -> t).get("Deployment", "prod-adagio"))).containsEntry("ADAGIO_RETENTION_FINISHED", "30d");
        assertThat(env(render(t -> t.set("config.retentionFinished", "7d")).get("Deployment", "prod-adagio")))
                .containsEntry("ADAGIO_RETENTION_FINISHED", "7d");
        assertThat(env(render(t -> t.set("config.retentionFinished", "")).get("Deployment", "prod-adagio")))
                .as("empty: the service's default, keep forever").doesNotContainKey("ADAGIO_RETENTION_FINISHED");
        assertThatThrownBy(() -> render(t -> t.set("config.retentionFinished", "a month")))
                .as("a duration Spring reads").isNotNull();
    }

    @Test
    void imageDefaultsToTheChartAppVersionAndFollowsValues() throws IOException {
        String appVersion = String.valueOf(loadYaml(CHART.resolve("Chart.yaml")).get("appVersion"));
        assertThat(appVersion).isEqualTo("0.1.0");
        for (Map<String, Object> d : render(t -> t).ofKind("Deployment")) {
            assertThat(val(container(d), "image")).isEqualTo("adagio/adagio:" + appVersion);
            assertThat(val(container(d), "imagePullPolicy")).isEqualTo("IfNotPresent");
        }
        for (Map<String, Object> d : renderValues("etcd-deployed-values.yaml").ofKind("Deployment")) {
            assertThat(val(container(d), "image")).isEqualTo("registry.example.com/platform/adagio:0.1.0-rc.3");
            assertThat(val(container(d), "imagePullPolicy")).isEqualTo("Always");
        }
    }

    @Test
    void serviceSendsPortHttpToTheControlPlanePodsOnly() {
        for (Manifests m : List.of(render(t -> t), renderValues("etcd-deployed-values.yaml"))) {
            Map<String, Object> svc = m.get("Service", "prod-adagio");
            Map<String, Object> port = only(get(svc, "spec.ports"));
            assertThat(port).containsEntry("name", "http").containsEntry("targetPort", "http");
            Map<String, Object> cp = m.get("Deployment", "prod-adagio");
            Map<String, Object> agents = m.get("Deployment", "prod-adagio-agent");
            Map<String, Object> containerPort = only(get(container(cp), "ports"));
            assertThat(containerPort).containsEntry("name", "http").containsEntry("containerPort", 7890);
            assertThat(selects(get(svc, "spec.selector"), cp)).isTrue();
            assertThat(selects(get(svc, "spec.selector"), agents)).as("agent pods must not receive API traffic").isFalse();
        }
        assertThat(val(only(get(renderValues("etcd-deployed-values.yaml").get("Service", "prod-adagio"), "spec.ports")), "port"))
                .isEqualTo(8080);
    }

    @Test
    void bothDeploymentsAreProbedOnTheActuatorHealthGroups() {
        for (Map<String, Object> d : render(t -> t).ofKind("Deployment")) {
            Map<String, Object> c = container(d);
            assertThat(val(c, "livenessProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
            assertThat(val(c, "readinessProbe.httpGet.path")).isEqualTo("/actuator/health/readiness");
            assertThat(val(c, "startupProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
            for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
                assertThat(val(c, probe + ".httpGet.port")).as("%s targets the named container port", probe).isEqualTo("http");
            }
            assertThat(HelmChartTest.<Integer>get(c, "startupProbe.periodSeconds") * HelmChartTest.<Integer>get(c, "startupProbe.failureThreshold"))
                    .as("seconds a slow JVM start gets before liveness applies").isGreaterThanOrEqualTo(60);
        }
    }

    @Test
    void podsStopTakingTrafficBeforeTheJvmShutsDownGracefully() {
        Map<String, Object> cp = render(t -> t).get("Deployment", "prod-adagio");
        assertThat(val(container(cp), "lifecycle.preStop.exec.command")).isEqualTo(List.of("sleep", "5"));
        assertThat(val(cp, "spec.template.spec.terminationGracePeriodSeconds")).isEqualTo(30);

        Manifests custom = renderValues("etcd-deployed-values.yaml");
        Map<String, Object> cp2 = custom.get("Deployment", "prod-adagio");
        assertThat(val(container(cp2), "lifecycle.preStop.exec.command")).isEqualTo(List.of("sleep", "8"));
        assertThat(val(cp2, "spec.template.spec.terminationGracePeriodSeconds")).isEqualTo(45);
        Map<String, Object> agents = custom.get("Deployment", "prod-adagio-agent");
        assertThat(val(container(agents), "lifecycle.preStop.exec.command")).isEqualTo(List.of("sleep", "5"));

        assertThatThrownBy(() -> render(t -> t.set("controlPlane.preStopSleepSeconds", 30)))
                .hasMessageContaining("preStopSleepSeconds must be shorter than controlPlane.terminationGracePeriodSeconds");
    }

    @Test
    void podsRunAsNonRootWithAReadOnlyRootFilesystemAndAWritableTmp() {
        for (Map<String, Object> d : renderValues("etcd-deployed-values.yaml").ofKinds("Deployment", "StatefulSet")) {
            assertThat(val(d, "spec.template.spec.securityContext.runAsNonRoot")).isEqualTo(true);
            assertThat(val(d, "spec.template.spec.securityContext.runAsUser")).isEqualTo(10001);
            Map<String, Object> c = container(d);
            assertThat(val(c, "securityContext.readOnlyRootFilesystem")).isEqualTo(true);
            assertThat(val(c, "securityContext.allowPrivilegeEscalation")).isEqualTo(false);
            if ("Deployment".equals(d.get("kind"))) {
                Map<String, Object> tmp = only(list(get(c, "volumeMounts")).stream()
                        .filter(v -> "/tmp".equals(get(v, "mountPath"))).toList());
                Map<String, Object> volume = only(list(get(d, "spec.template.spec.volumes")).stream()
                        .filter(v -> tmp.get("name").equals(get(v, "name"))).toList());
                assertThat(volume).containsKey("emptyDir");
            }
        }
    }

    // ------------------------------------------------------------------------------- agents

    @Test
    void agentsRunInAgentModeAgainstTheControlPlaneServiceActuallyRendered() {
        for (Manifests m : List.of(render(t -> t), renderValues("etcd-deployed-values.yaml"))) {
            Map<String, Object> cp = m.get("Deployment", "prod-adagio");
            Map<String, Object> svc = only(m.ofKind("Service").stream()
                    .filter(s -> selects(get(s, "spec.selector"), cp)).toList());
            Map<String, String> env = env(m.get("Deployment", "prod-adagio-agent"));
            assertThat(env).containsEntry("ADAGIO_MODE", "agent");
            assertThat(env.get("ADAGIO_AGENT_SERVERURL"))
                    .isEqualTo("http://" + get(svc, "metadata.name") + ":" + get(only(get(svc, "spec.ports")), "port"));
            assertThat(env).as("agents reach state through the API, never etcd directly")
                    .doesNotContainKeys("ADAGIO_BACKEND", "ADAGIO_ETCD_ENDPOINTS");
        }
    }

    @Test
    void agentPoolSizeRuntimesAndExecAllowListFollowValues() {
        Map<String, Object> agents = renderValues("etcd-deployed-values.yaml").get("Deployment", "prod-adagio-agent");
        assertThat(val(agents, "spec.replicas")).isEqualTo(4);
        assertThat(env(agents))
                .containsEntry("ADAGIO_AGENT_CONCURRENCY", "16")
                .containsEntry("ADAGIO_AGENT_SLOTS", "4")
                .containsEntry("ADAGIO_AGENT_RUNTIMES", "debug,exec")
                .containsEntry("ADAGIO_AGENT_EXEC_ENABLED", "true")
                .containsEntry("ADAGIO_AGENT_EXEC_ALLOWEDCOMMANDS", "echo,/usr/bin/make")
                .containsEntry("ADAGIO_AGENT_EXEC_TIMEOUT", "10m");
        assertThatThrownBy(() -> render(t -> t.set("agents.slots", 0))).as("an agent holds at least one node")
                .hasMessageContaining("slots");
    }

    @Test
    void commandExecutionIsOffByDefaultAndNeverOnWithoutAnAllowList() {
        Map<String, String> env = env(render(t -> t).get("Deployment", "prod-adagio-agent"));
        assertThat(env).containsEntry("ADAGIO_AGENT_EXEC_ENABLED", "false").containsEntry("ADAGIO_AGENT_EXEC_ALLOWEDCOMMANDS", "");
        assertThatThrownBy(() -> render(t -> t.set("agents.exec.enabled", true)))
                .hasMessageContaining("agents.exec.enabled=true needs a non-empty agents.exec.allowedCommands");
    }

    @Test
    void agentsCanJoinAControlPlaneRunningElsewhere() {
        Manifests m = render(t -> t.set("controlPlane.enabled", false).set("agents.serverUrl", "https://adagio.example.com")
                .set("security.existingSecret", "remote-tokens"));
        assertThat(m.kinds()).containsExactlyInAnyOrder("ServiceAccount", "Deployment");
        assertThat(secretRef(m.get("Deployment", "prod-adagio-agent"), "ADAGIO_AGENT_TOKEN"))
                .isEqualTo(Map.of("name", "remote-tokens", "key", "agent-token"));
        assertThatThrownBy(() -> render(t -> t.set("controlPlane.enabled", false).set("agents.serverUrl", "https://x")))
                .hasMessageContaining("need security.existingSecret");
        assertThat(env(render(t -> t.set("controlPlane.enabled", false).set("agents.serverUrl", "https://x")
                .set("security.enabled", false)).get("Deployment", "prod-adagio-agent"))).doesNotContainKey("ADAGIO_AGENT_TOKEN");
        assertThat(env(m.get("Deployment", "prod-adagio-agent"))).containsEntry("ADAGIO_AGENT_SERVERURL", "https://adagio.example.com");
        assertThatThrownBy(() -> render(t -> t.set("controlPlane.enabled", false)))
                .hasMessageContaining("agents.serverUrl is required when controlPlane.enabled=false");
    }

    // ------------------------------------------------------------------------------- backends

    @Test
    void memoryBackendRefusesMoreThanOneControlPlaneReplica() {
        assertThatThrownBy(() -> render(t -> t.set("controlPlane.replicas", 2)))
                .hasMessageContaining("controlPlane.replicas=2 with backend=memory")
                .hasMessageContaining("cannot be replicated");
        assertThatThrownBy(() -> render(t -> t.set("backend", "memory").set("controlPlane.replicas", 3)))
                .hasMessageContaining("backend=memory");
    }

    @Test
    void externalEtcdRunsTwoApiReplicasAgainstTheGivenEndpointsWithADisruptionBudget() {
        Manifests m = renderValues("external-etcd-values.yaml");
        Map<String, Object> cp = m.get("Deployment", "prod-adagio");
        assertThat(val(cp, "spec.replicas")).isEqualTo(2);
        assertThat(val(cp, "spec.strategy.rollingUpdate.maxUnavailable")).isEqualTo(0);
        assertThat(env(cp))
                .containsEntry("ADAGIO_MODE", "api")
                .containsEntry("ADAGIO_BACKEND", "etcd")
                .containsEntry("ADAGIO_ETCD_ENDPOINTS", "http://etcd-a.db.svc:2379,http://etcd-b.db.svc:2379,http://etcd-c.db.svc:2379")
                .containsEntry("ADAGIO_ETCD_NAMESPACE", "v0")
                .containsEntry("ADAGIO_ETCD_LIST", "default")
                .containsEntry("ADAGIO_ETCD_TIMEOUT", "3s")
                .containsEntry("ADAGIO_ETCD_MAXTXNOPS", "128")
                .containsEntry("ADAGIO_ETCD_MAXREQUESTBYTES", "1572864B")
                .doesNotContainKeys("ADAGIO_AGENT_CONCURRENCY", "ADAGIO_AGENT_SLOTS");
        assertThat(m.ofKind("StatefulSet")).isEmpty();

        Map<String, Object> pdb = m.get("PodDisruptionBudget", "prod-adagio");
        assertThat(val(pdb, "spec.minAvailable")).isEqualTo(1);
        assertThat(selects(get(pdb, "spec.selector.matchLabels"), cp)).isTrue();
        assertThat(selects(get(pdb, "spec.selector.matchLabels"), m.get("Deployment", "prod-adagio-agent"))).isFalse();
    }

    @Test
    void anExternalEtcdOverTlsWithAuthenticationGetsItsCertificatesAndCredentialsFromSecrets() {
        Manifests m = renderValues("external-etcd-tls-values.yaml");
        Map<String, Object> cp = m.get("Deployment", "prod-adagio");
        assertThat(env(cp))
                .containsEntry("ADAGIO_ETCD_ENDPOINTS", "https://etcd-a.db.svc:2379,https://etcd-b.db.svc:2379")
                .containsEntry("ADAGIO_ETCD_TLS_CA", "/etc/adagio/etcd-tls/ca.crt")
                .containsEntry("ADAGIO_ETCD_TLS_CERT", "/etc/adagio/etcd-tls/tls.crt")
                .containsEntry("ADAGIO_ETCD_TLS_KEY", "/etc/adagio/etcd-tls/tls.key")
                .containsEntry("ADAGIO_ETCD_AUTHORITY", "etcd.db.svc")
                .doesNotContainKeys("ADAGIO_ETCD_USER", "ADAGIO_ETCD_PASSWORD"); // never a plain value
        Map<String, Map<String, Object>> fromSecrets = new LinkedHashMap<>();
        for (Map<String, Object> e : list(get(container(cp), "env"))) {
            if (e.containsKey("valueFrom")) {
                fromSecrets.put((String) e.get("name"), get(e, "valueFrom.secretKeyRef"));
            }
        }
        assertThat(fromSecrets.get("ADAGIO_ETCD_USER")).containsEntry("name", "etcd-adagio-user").containsEntry("key", "username");
        assertThat(fromSecrets.get("ADAGIO_ETCD_PASSWORD")).containsEntry("name", "etcd-adagio-user").containsEntry("key", "password");
        Map<String, Object> mount = only(list(get(container(cp), "volumeMounts")).stream()
                .filter(v -> "/etc/adagio/etcd-tls".equals(get(v, "mountPath"))).toList());
        assertThat(mount.get("readOnly")).isEqualTo(true);
        Map<String, Object> volume = only(list(get(cp, "spec.template.spec.volumes")).stream()
                .filter(v -> mount.get("name").equals(get(v, "name"))).toList());
        assertThat((Object) get(volume, "secret.secretName")).isEqualTo("etcd-client-tls");

        assertThatThrownBy(() -> render(t -> t.set("etcd.endpoints[0]", "http://plain:2379").set("etcd.tls.secretName", "s")))
                .hasMessageContaining("must be https://");
        assertThatThrownBy(() -> render(t -> t.set("etcd.deploy.enabled", true).set("etcd.auth.secretName", "s")))
                .hasMessageContaining("for an external etcd");
    }

    /** The value of an environment variable that comes from a Secret: its name and key. */
    static Map<String, Object> secretRef(Map<String, Object> workload, String name) {
        for (Map<String, Object> e : list(get(container(workload), "env"))) {
            if (name.equals(e.get("name"))) {
                return get(e, "valueFrom.secretKeyRef");
            }
        }
        return null;
    }

    @Test
    void tokensAreOnByDefaultFromAGeneratedSecretThatHoldsOnlyHashesForTheControlPlane() {
        Manifests m = render(t -> t);
        Map<String, Object> secret = m.get("Secret", "prod-adagio-tokens");
        Map<String, String> data = get(secret, "data");
        String agentToken = new String(java.util.Base64.getDecoder().decode(data.get("agent-token")));
        String adminToken = new String(java.util.Base64.getDecoder().decode(data.get("admin-token")));
        assertThat(agentToken).hasSize(48).isNotEqualTo(adminToken);
        assertThat(new String(java.util.Base64.getDecoder().decode(data.get("agent-token-sha256"))))
                .isEqualTo(io.adagio.security.Tokens.hashOf(agentToken));
        assertThat(new String(java.util.Base64.getDecoder().decode(data.get("admin-token-sha256"))))
                .isEqualTo(io.adagio.security.Tokens.hashOf(adminToken));

        Map<String, Object> cp = m.get("Deployment", "prod-adagio");
        assertThat(secretRef(cp, "ADAGIO_SECURITY_TOKENS_AGENTS_SHA256")).isEqualTo(Map.of("name", "prod-adagio-tokens", "key", "agent-token-sha256"));
        assertThat(secretRef(cp, "ADAGIO_SECURITY_TOKENS_ADMIN_SHA256")).isEqualTo(Map.of("name", "prod-adagio-tokens", "key", "admin-token-sha256"));
        assertThat(env(cp)).containsEntry("ADAGIO_SECURITY_TOKENS_AGENTS_ROLES", "agent")
                .containsEntry("ADAGIO_SECURITY_TOKENS_AGENTS_AGENTS", "prod-adagio-agent-*")
                .containsEntry("ADAGIO_SECURITY_TOKENS_ADMIN_ROLES", "admin");
        assertThat(list(get(container(cp), "env"))).as("the control plane never gets a token, only hashes")
                .filteredOn(e -> e.containsKey("valueFrom")).extracting(e -> (Object) get(e, "valueFrom.secretKeyRef.key"))
                .doesNotContain("agent-token", "admin-token");
        assertThat(secretRef(m.get("Deployment", "prod-adagio-agent"), "ADAGIO_AGENT_TOKEN"))
                .isEqualTo(Map.of("name", "prod-adagio-tokens", "key", "agent-token"));
        assertThat((Object) get(secret, "metadata.annotations")).asString().contains("helm.sh/resource-policy");
        assertThat(java.util.Base64.getDecoder().decode((String) get(secret, "data.session-secret"))).as("a session secret")
                .hasSizeGreaterThanOrEqualTo(32);
        assertThat(secretRef(cp, "ADAGIO_SECURITY_SESSION_SECRET")).containsEntry("key", "session-secret")
                .containsEntry("optional", true);
        assertThat(env(cp)).containsEntry("ADAGIO_SECURITY_SESSION_SECURE", "true");

        Manifests more = render(t -> t.set("security.existingSecret", "mine")
                .set("security.tokens.ci.sha256", io.adagio.security.Tokens.hashOf("ci")).set("security.tokens.ci.roles", "operator")
                .set("security.tokens.ci.startsPerMinute", 30));
        assertThat(more.ofKind("Secret")).isEmpty();
        assertThat(env(more.get("Deployment", "prod-adagio"))).containsEntry("ADAGIO_SECURITY_TOKENS_CI_STARTSPERMINUTE", "30");
        assertThat(secretRef(more.get("Deployment", "prod-adagio"), "ADAGIO_SECURITY_TOKENS_ADMIN_SHA256")).containsEntry("name", "mine");
        assertThat(env(more.get("Deployment", "prod-adagio"))).containsEntry("ADAGIO_SECURITY_TOKENS_CI_SHA256",
                io.adagio.security.Tokens.hashOf("ci")).containsEntry("ADAGIO_SECURITY_TOKENS_CI_ROLES", "operator");

        Manifests off = render(t -> t.set("security.enabled", false));
        assertThat(off.ofKind("Secret")).isEmpty();
        assertThat(env(off.get("Deployment", "prod-adagio"))).doesNotContainKeys("ADAGIO_SECURITY_TOKENS_AGENTS_ROLES");
        assertThat(env(off.get("Deployment", "prod-adagio-agent"))).doesNotContainKey("ADAGIO_AGENT_TOKEN");
    }

    @Test
    void etcdBackendNeedsExactlyOneSourceOfEndpoints() {
        assertThatThrownBy(() -> render(t -> t.set("backend", "etcd")))
                .hasMessageContaining("backend=etcd needs etcd.endpoints");
        assertThatThrownBy(() -> render(t -> t.set("etcd.deploy.enabled", true).set("etcd.endpoints[0]", "http://elsewhere:2379")))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> render(t -> t.set("backend", "memory").set("etcd.deploy.enabled", true)))
                .hasMessageContaining("backend=memory but etcd is configured");
    }

    @Test
    void deployedEtcdMembersAreWhatTheControlPlaneConnectsTo() {
        Manifests m = renderValues("etcd-deployed-values.yaml");
        Map<String, Object> sts = only(m.ofKind("StatefulSet"));
        String stsName = get(sts, "metadata.name");
        String serviceName = get(sts, "spec.serviceName");
        int replicas = get(sts, "spec.replicas");
        assertThat(replicas).isEqualTo(5);
        assertThat(val(container(sts), "image").toString()).startsWith("quay.io/coreos/etcd:v3.5.");

        Map<String, Object> headless = m.get("Service", serviceName);
        assertThat(val(headless, "spec.clusterIP")).isEqualTo("None");
        assertThat(val(headless, "spec.publishNotReadyAddresses")).isEqualTo(true);
        assertThat(selects(get(headless, "spec.selector"), sts)).isTrue();
        int clientPort = namedPort(list(get(container(sts), "ports")), "client", "containerPort");
        assertThat(clientPort).isEqualTo(2479);
        assertThat(namedPort(list(get(headless, "spec.ports")), "client", "port")).isEqualTo(clientPort);

        List<String> expected = IntStream.range(0, replicas)
                .mapToObj(i -> "http://%s-%d.%s.%s.svc.cluster.local:%d".formatted(stsName, i, serviceName, NAMESPACE, clientPort))
                .toList();
        Map<String, Object> cp = m.get("Deployment", "prod-adagio");
        assertThat(val(cp, "spec.replicas")).isEqualTo(3);
        assertThat(env(cp))
                .containsEntry("ADAGIO_MODE", "api")
                .containsEntry("ADAGIO_BACKEND", "etcd")
                .containsEntry("ADAGIO_ETCD_ENDPOINTS", String.join(",", expected))
                .containsEntry("ADAGIO_ETCD_NAMESPACE", "prod")
                .containsEntry("ADAGIO_ETCD_LIST", "batch")
                .as("the request limits it starts its own etcd with")
                .containsEntry("ADAGIO_ETCD_MAXTXNOPS", "10240")
                .containsEntry("ADAGIO_ETCD_MAXREQUESTBYTES", "10485760B");

        // Each member advertises the very address the control plane dials, and the bootstrap
        // cluster lists every pod of the StatefulSet by its stable DNS name.
        Map<String, String> args = etcdArgs(container(sts));
        assertThat(args.get("name")).isEqualTo("$(POD_NAME)");
        assertThat(args.get("advertise-client-urls"))
                .isEqualTo("http://$(POD_NAME).%s.%s.svc.cluster.local:%d".formatted(serviceName, NAMESPACE, clientPort));
        assertThat(expected).allMatch(url -> url.matches(
                args.get("advertise-client-urls").replace("$(POD_NAME)", "\\Q" + stsName + "-\\E\\d+")
                        .replace(".", "\\.")));
        assertThat(podNameEnv(container(sts))).isEqualTo("metadata.name");
        assertThat(List.of(args.get("initial-cluster").split(","))).containsExactlyElementsOf(IntStream.range(0, replicas)
                .mapToObj(i -> "%s-%d=http://%s-%d.%s.%s.svc.cluster.local:2380".formatted(stsName, i, stsName, i, serviceName, NAMESPACE))
                .toList());
        assertThat(args).containsEntry("initial-cluster-state", "new")
                .containsEntry("auto-compaction-mode", "revision")
                .containsEntry("auto-compaction-retention", "1000")
                .containsEntry("quota-backend-bytes", "4294967296")
                .containsEntry("max-txn-ops", "10240")
                .containsEntry("max-request-bytes", "10485760");
        assertThat(val(sts, "spec.podManagementPolicy")).isEqualTo("Parallel");

        Map<String, Object> claim = only(get(sts, "spec.volumeClaimTemplates"));
        assertThat(val(claim, "spec.storageClassName")).isEqualTo("fast-ssd");
        assertThat(val(claim, "spec.resources.requests.storage")).isEqualTo("20Gi");
        Map<String, Object> etcdPdb = m.get("PodDisruptionBudget", stsName);
        assertThat(val(etcdPdb, "spec.minAvailable")).as("quorum of 5").isEqualTo(3);
    }

    @Test
    void replicatedControlPlaneAndAgentsGetDisruptionBudgets() {
        Manifests m = renderValues("etcd-deployed-values.yaml");
        for (String name : List.of("prod-adagio", "prod-adagio-agent")) {
            Map<String, Object> pdb = m.get("PodDisruptionBudget", name);
            assertThat(val(pdb, "spec.minAvailable")).isEqualTo(1);
            assertThat(selects(get(pdb, "spec.selector.matchLabels"), m.get("Deployment", name))).isTrue();
        }
    }

    // ------------------------------------------------------------------------------- ingress & monitoring

    @Test
    void ingressKeepsSseStreamsUnbufferedAndOpenAndRoutesToTheService() {
        Manifests m = renderValues("etcd-deployed-values.yaml");
        Map<String, Object> ingress = only(m.ofKind("Ingress"));
        Map<String, Object> annotations = get(ingress, "metadata.annotations");
        assertThat(annotations)
                .containsEntry("nginx.ingress.kubernetes.io/proxy-buffering", "off")
                .containsEntry("nginx.ingress.kubernetes.io/proxy-read-timeout", "3600")
                .containsEntry("nginx.ingress.kubernetes.io/proxy-send-timeout", "3600")
                .containsEntry("cert-manager.io/cluster-issuer", "letsencrypt");
        assertThat(val(ingress, "spec.ingressClassName")).isEqualTo("nginx");
        Map<String, Object> rule = only(get(ingress, "spec.rules"));
        assertThat(rule).containsEntry("host", "adagio.prod.example.com");
        Map<String, Object> backend = get(only(get(rule, "http.paths")), "backend.service");
        Map<String, Object> svc = m.get("Service", "prod-adagio");
        assertThat(backend.get("name")).isEqualTo(get(svc, "metadata.name"));
        assertThat(val(backend, "port.number")).isEqualTo(get(only(get(svc, "spec.ports")), "port"));
        assertThat(val(only(get(ingress, "spec.tls")), "secretName")).isEqualTo("adagio-tls");

        assertThat(render(t -> t).ofKind("Ingress")).as("off by default").isEmpty();
        Map<String, Object> plain = only(render(t -> t.set("ingress.enabled", true).set("ingress.sseAnnotations", false)
                .set("ingress.sseTimeoutSeconds", 600)).ofKind("Ingress"));
        assertThat(HelmChartTest.<Map<String, Object>>get(plain, "metadata")).doesNotContainKey("annotations");
    }

    @Test
    void serviceMonitorScrapesActuatorPrometheusOnTheServiceHttpPort() {
        Manifests m = renderValues("etcd-deployed-values.yaml");
        Map<String, Object> sm = only(m.ofKind("ServiceMonitor"));
        assertThat(sm.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
        assertThat(HelmChartTest.<Map<String, Object>>get(sm, "metadata.labels")).containsEntry("release", "kube-prometheus-stack");
        Map<String, Object> endpoint = only(get(sm, "spec.endpoints"));
        assertThat(endpoint).containsEntry("path", "/actuator/prometheus").containsEntry("port", "http").containsEntry("interval", "15s");
        Map<String, Object> svc = m.get("Service", "prod-adagio");
        assertThat(namedPort(list(get(svc, "spec.ports")), "http", "port")).isEqualTo(8080);
        Map<String, Object> svcLabels = get(svc, "metadata.labels");
        Map<String, Object> wanted = get(sm, "spec.selector.matchLabels");
        assertThat(svcLabels).containsAllEntriesOf(wanted);
        assertThat(val(sm, "spec.namespaceSelector.matchNames")).isEqualTo(List.of(NAMESPACE));

        assertThat(render(t -> t).ofKind("ServiceMonitor")).as("off by default").isEmpty();
    }

    // ------------------------------------------------------------------------------- helpers

    private static Manifests renderValues(String file) {
        return render(t -> t.withValuesFile(TEST_VALUES.resolve(file)));
    }

    private static Manifests render(UnaryOperator<TemplateCommand> customize) {
        TemplateCommand cmd = new Helm(CHART).template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion("1.30.0")
                .set("security.reuseGeneratedTokens", false); // helm-java's renderer would ask a cluster (lookup)
        return Manifests.parse(customize.apply(cmd).call());
    }

    record Manifests(List<Map<String, Object>> docs) {

        @SuppressWarnings("unchecked")
        static Manifests parse(String yaml) {
            List<Map<String, Object>> docs = new ArrayList<>();
            for (Object doc : new Yaml().loadAll(yaml)) {
                if (doc instanceof Map<?, ?> map) {
                    docs.add((Map<String, Object>) map);
                }
            }
            return new Manifests(docs);
        }

        List<String> kinds() {
            return docs.stream().map(d -> (String) d.get("kind")).toList();
        }

        List<Map<String, Object>> ofKind(String kind) {
            return ofKinds(kind);
        }

        List<Map<String, Object>> ofKinds(String... kinds) {
            List<String> wanted = List.of(kinds);
            return docs.stream().filter(d -> wanted.contains(d.get("kind"))).toList();
        }

        Map<String, Object> get(String kind, String name) {
            return only(ofKind(kind).stream().filter(d -> name.equals(HelmChartTest.get(d, "metadata.name"))).toList());
        }
    }

    /** Dotted path into nested maps, e.g. "spec.template.spec.containers". */
    @SuppressWarnings("unchecked")
    static <T> T get(Object root, String path) {
        Object node = root;
        for (String key : path.split("\\.")) {
            if (!(node instanceof Map<?, ?> map) || !map.containsKey(key)) {
                throw new AssertionError("no '" + path + "' (stopped at '" + key + "') in " + root);
            }
            node = map.get(key);
        }
        return (T) node;
    }

    static Object val(Object root, String path) {
        return HelmChartTest.<Object>get(root, path);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }

    static <T> T only(List<T> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    static Map<String, Object> container(Map<String, Object> workload) {
        return only(list(get(workload, "spec.template.spec.containers")));
    }

    static Map<String, String> env(Map<String, Object> workload) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> e : list(get(container(workload), "env"))) {
            assertThat(env).as("duplicate env %s", e.get("name")).doesNotContainKey((String) e.get("name"));
            if (e.containsKey("value")) {
                env.put((String) e.get("name"), String.valueOf(e.get("value")));
            }
        }
        return env;
    }

    static String podNameEnv(Map<String, Object> container) {
        Map<String, Object> podName = only(list(get(container, "env")).stream()
                .filter(e -> "POD_NAME".equals(e.get("name"))).toList());
        return get(podName, "valueFrom.fieldRef.fieldPath");
    }

    static Map<String, String> etcdArgs(Map<String, Object> container) {
        Map<String, String> args = new LinkedHashMap<>();
        for (Object a : (List<?>) get(container, "args")) {
            String[] kv = a.toString().replaceFirst("^--", "").split("=", 2);
            args.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        return args;
    }

    static int namedPort(List<Map<String, Object>> ports, String name, String field) {
        return (int) only(ports.stream().filter(p -> name.equals(p.get("name"))).toList()).get(field);
    }

    /** Whether a label selector matches a workload's pod template labels. */
    static boolean selects(Map<String, Object> selector, Map<String, Object> workload) {
        Map<String, Object> podLabels = get(workload, "spec.template.metadata.labels");
        return !selector.isEmpty() && selector.entrySet().stream().allMatch(e -> e.getValue().equals(podLabels.get(e.getKey())));
    }

    static Map<String, Object> loadYaml(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new Yaml().load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> deepMerge(Map<String, Object> base, Map<String, Object> override) {
        Map<String, Object> out = new LinkedHashMap<>(base);
        override.forEach((k, v) -> {
            if (v instanceof Map<?, ?> o && out.get(k) instanceof Map<?, ?> b) {
                out.put(k, deepMerge((Map<String, Object>) b, (Map<String, Object>) o));
            } else {
                out.put(k, v);
            }
        });
        return out;
    }

    static Path copyChart(Path target) throws IOException {
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path dest = target.resolve(CHART.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
        return target;
    }
}
