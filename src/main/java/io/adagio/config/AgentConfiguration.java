package io.adagio.config;

import io.adagio.agent.AgentPool;
import io.adagio.agent.http.HttpControlPlane;
import io.adagio.control.LocalControlPlane;
import io.adagio.agent.runtime.DebugRuntime;
import io.adagio.agent.runtime.ExecRuntime;
import io.adagio.agent.runtime.NodeRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The agent pool ({@code adagio.mode} all or agent) and its runtimes: {@code debug}, {@code exec} when
 * enabled, and any {@link NodeRuntime} bean the user adds, each offered when listed in adagio.agent.runtimes.
 */
@Configuration(proxyBeanMethods = false)
@RunsAgents
class AgentConfiguration {
    private static final Logger log = LoggerFactory.getLogger(AgentConfiguration.class);
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);

    @Bean
    DebugRuntime debugRuntime() {
        return new DebugRuntime();
    }

    @Bean
    AgentPool agentPool(AgentProperties props, List<NodeRuntime> available, JsonMapper json, Environment env,
                        ObjectProvider<LocalControlPlane> local) {
        Set<String> wanted = new LinkedHashSet<>(props.runtimes());
        if (props.exec().enabled()) {
            wanted.add("exec");
        } else if (wanted.remove("exec")) {
            log.warn("runtime exec is listed but adagio.agent.exec.enabled is false: not offering it");
        }
        List<NodeRuntime> all = new ArrayList<>(available);
        if (props.exec().enabled()) {
            Set<String> allowed = new HashSet<>();
            props.exec().allowedCommands().stream().map(String::trim).filter(c -> !c.isEmpty()).forEach(allowed::add);
            String dir = props.exec().workingDirectory();
            all.add(new ExecRuntime(allowed, props.exec().timeout(), props.exec().environment(), System.getenv(),
                    dir == null || dir.isBlank() ? null : java.nio.file.Path.of(dir)));
        }
        List<NodeRuntime> offered = new ArrayList<>();
        for (String name : wanted) {
            all.stream().filter(r -> r.name().equals(name)).findFirst().ifPresentOrElse(offered::add,
                    () -> log.warn("runtime {} is listed in adagio.agent.runtimes but no such runtime exists", name));
        }
        boolean serverUrlSet = props.serverUrl() != null && !props.serverUrl().toString().isBlank();
        LocalControlPlane inProcess = local.getIfAvailable();
        boolean useLocal = switch (props.transport()) {
            case LOCAL -> true;
            case HTTP -> false;
            case AUTO -> inProcess != null && !serverUrlSet;
        };
        if (useLocal) {
            if (inProcess == null) {
                throw new IllegalStateException("adagio.agent.transport=local needs the API in this process "
                        + "(adagio.mode=all); use http to reach a remote control plane");
            }
            return new AgentPool(props, offered, id -> inProcess, "the control plane in this process");
        }
        return new AgentPool(props, offered, id -> new HttpControlPlane(serverUrl(props, env), json, HTTP_TIMEOUT, props.token()),
                "HTTP " + (serverUrlSet ? props.serverUrl() : "(this process's own API)"));
    }

    /** The control plane over HTTP: the configured URL, or this process's own API (resolved once it listens). */
    private static URI serverUrl(AgentProperties props, Environment env) {
        if (props.serverUrl() != null && !props.serverUrl().toString().isBlank()) {
            return props.serverUrl();
        }
        String port = env.getProperty("local.server.port", env.getProperty("server.port", "7890"));
        return URI.create("http://127.0.0.1:" + port);
    }
}
