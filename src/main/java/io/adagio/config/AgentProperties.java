package io.adagio.config;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The built-in agent pool.
 *
 * @param serverUrl   the control plane it talks to over HTTP; empty means this process's own API (mode {@code all})
 * @param transport   how it talks to the control plane: {@code local} (in process, mode {@code all} only),
 *                    {@code http}, or {@code auto} (local when this process serves the API and no server URL is
 *                    set, else http)
 * @param concurrency how many agents the pool runs, each with its own lease
 * @param slots       how many nodes each agent holds and runs at once (at least 1)
 * @param runtimes    the runtimes the pool offers
 * @param idPrefix    agent ids are {@code <prefix>-<n>}; empty means the host name
 * @param backoffMin  the first reconnect delay after the control plane is lost
 * @param backoffMax  the longest reconnect delay
 * @param exec        the {@code exec} runtime
 * @param token       the bearer token the pool sends to a control plane over HTTP that has
 *                    {@code adagio.security.tokens} (one with the {@code agent} role for its agent ids); none when empty
 */
@Validated
@ConfigurationProperties("adagio.agent")
public record AgentProperties(URI serverUrl,
                              @DefaultValue("auto") Transport transport,
                              @DefaultValue("4") int concurrency,
                              @DefaultValue("1") @Min(1) int slots,
                              @DefaultValue("debug") List<String> runtimes,
                              String idPrefix,
                              @DefaultValue("200ms") Duration backoffMin,
                              @DefaultValue("5s") Duration backoffMax,
                              @DefaultValue Exec exec,
                              String token) {

    /** How the pool reaches its control plane. */
    public enum Transport {
        AUTO, HTTP, LOCAL
    }

    /**
     * The {@code exec} runtime: off unless enabled, since it runs commands for anyone who can reach the API.
     *
     * @param enabled         whether {@code exec} nodes are run at all
     * @param allowedCommands the commands it may run; empty means any
     * @param timeout         how long a command may run before it is killed (an ERROR)
     * @param environment     the names of the agent's environment variables a command gets (no other)
     * @param workingDirectory where commands run; empty: each in a fresh empty directory of its own, removed after it
     */
    public record Exec(@DefaultValue("false") boolean enabled,
                       @DefaultValue List<String> allowedCommands,
                       @DefaultValue("5m") Duration timeout,
                       @DefaultValue({"PATH", "LANG", "LC_ALL", "TZ"}) List<String> environment,
                       String workingDirectory) {
    }
}
