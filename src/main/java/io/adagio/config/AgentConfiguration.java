package io.adagio.config;

import io.adagio.agent.AgentPool;
import io.adagio.agent.runtime.DebugRuntime;
import io.adagio.agent.runtime.ExecRuntime;
import io.adagio.agent.runtime.NodeRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import tools.jackson.databind.json.JsonMapper;

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

    @Bean
    DebugRuntime debugRuntime() {
        return new DebugRuntime();
    }

    @Bean
    AgentPool agentPool(AgentProperties props, List<NodeRuntime> available, JsonMapper json, Environment env) {
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
            all.add(new ExecRuntime(allowed, props.exec().timeout()));
        }
        List<NodeRuntime> offered = new ArrayList<>();
        for (String name : wanted) {
            all.stream().filter(r -> r.name().equals(name)).findFirst().ifPresentOrElse(offered::add,
                    () -> log.warn("runtime {} is listed in adagio.agent.runtimes but no such runtime exists", name));
        }
        return new AgentPool(props, offered, json, env);
    }
}
