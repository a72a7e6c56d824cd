package io.adagio.api;

import io.adagio.config.SecurityProperties;
import io.adagio.security.Caller;
import io.adagio.security.Role;
import io.adagio.security.Sessions;
import io.adagio.security.StartRates;
import io.adagio.security.Tokens;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;

/**
 * Who may call what, with Spring Security: a bearer token ({@code Authorization: Bearer …}) is looked up among the
 * configured hashes ({@link Tokens}) and becomes a {@link Caller}; each request needs a role by its method and
 * path ({@link #chain}), and a call of an agent ({@code /v0/agents/{agent_id}/…}) needs a token that may act as that
 * agent. 401 (no or an unknown token) and 403 (a token without the role, or for another agent) are problem+json
 * with {@code WWW-Authenticate}. With no token configured everything is open, and a WARN says so when the service
 * listens beyond the loopback interface. Health probes and {@code /openapi.yaml} are always open.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
class WebSecurity {
    private static final Logger log = LoggerFactory.getLogger(WebSecurity.class);
    static final String REALM = "Bearer realm=\"adagio\"";

    @Bean
    Tokens tokens(SecurityProperties properties) {
        Map<String, Tokens.Spec> specs = new java.util.LinkedHashMap<>();
        properties.tokens().forEach((name, t) -> specs.put(name, new Tokens.Spec(t.sha256(), t.roles(), t.agents())));
        return new Tokens(specs);
    }

    /**
     * No observation of Spring Security's filters, authentications or authorizations: without this each filter of
     * the chain is wrapped to observe it (a cost on every call of agents and readers alike), even with its
     * observations switched off; {@code http.server.requests} observes each request whole already.
     */
    @Bean
    org.springframework.security.config.observation.SecurityObservationSettings securityObservations() {
        return org.springframework.security.config.observation.SecurityObservationSettings.noObservations();
    }

    /** The UI pages' Content-Security-Policy: they load what the service serves, nothing else. */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "connect-src 'self'; worker-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    /** The cookie that holds a browser's session. */
    static final String SESSION_COOKIE = "adagio_session";

    @Bean
    Sessions sessions(Tokens tokens, SecurityProperties properties,
                      org.springframework.beans.factory.ObjectProvider<java.time.Clock> clock) {
        return new Sessions(tokens, properties.session().secret(), properties.session().ttl(),
                clock.getIfAvailable(java.time.Clock::systemUTC)); // a process of mode agent has no engine clock
    }

    @Bean
    StartRates startRates(SecurityProperties properties,
                          org.springframework.beans.factory.ObjectProvider<java.time.Clock> clock) {
        Map<String, Integer> limits = new java.util.LinkedHashMap<>();
        properties.tokens().forEach((name, t) -> {
            if (t.startsPerMinute() != null) {
                limits.put(name, t.startsPerMinute());
            }
        });
        return new StartRates(limits, clock.getIfAvailable(java.time.Clock::systemUTC));
    }

    @Bean
    SecurityFilterChain chain(HttpSecurity http, Tokens tokens, Sessions sessions, StartRates rates, JsonMapper json,
                              SecurityProperties properties) throws Exception {
        List<String> origins = properties.cors().allowedOrigins();
        if (origins.isEmpty()) {
            http.cors(c -> c.disable()); // no cross-origin access: browsers keep other sites' pages out
        } else {
            CorsConfiguration cors = new CorsConfiguration();
            cors.setAllowedOrigins(origins);
            cors.setAllowedMethods(List.of("GET", "POST", "PUT", "DELETE"));
            cors.setAllowedHeaders(List.of("Authorization", "Content-Type", "Last-Event-ID", "Idempotency-Key"));
            cors.setExposedHeaders(List.of("Location", "Retry-After", "WWW-Authenticate"));
            cors.setMaxAge(600L);
            UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
            source.registerCorsConfiguration("/**", cors);
            http.cors(c -> c.configurationSource(source));
        }
        http.httpBasic(b -> b.disable()).formLogin(f -> f.disable()).logout(l -> l.disable())
                .requestCache(r -> r.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .headers(h -> h.cacheControl(c -> c.disable()) // streams say no-cache themselves; reads may be cached
                        // written before the request goes on, not while it unwinds: a stream's first event is written
                        // by the delivery thread meanwhile, and Tomcat's header table is not thread-safe
                        .withObjectPostProcessor(new org.springframework.security.config.ObjectPostProcessor<
                                org.springframework.security.web.header.HeaderWriterFilter>() {
                            @Override
                            public <O extends org.springframework.security.web.header.HeaderWriterFilter> O postProcess(O filter) {
                                filter.setShouldWriteHeadersEagerly(true);
                                return filter;
                            }
                        })
                        // the UI's pages load only its own scripts, styles and worker: an injected script or frame has
                        // nowhere to go (documents only: the API's answers and streams are not pages)
                        .addHeaderWriter(new org.springframework.security.web.header.writers.DelegatingRequestMatcherHeaderWriter(
                                PAGES, new org.springframework.security.web.header.writers.StaticHeadersWriter(
                                        "Content-Security-Policy", CSP))));
        if (!tokens.enabled()) {
            // nothing to protect: everyone may do everything, so no filter of the chain authenticates or authorizes
            // (what is left: the firewall, the security headers, the pages' CSP)
            http.csrf(c -> c.disable()).anonymous(a -> a.disable()).servletApi(s -> s.disable())
                    .securityContext(c -> c.disable()).sessionManagement(s -> s.disable())
                    .exceptionHandling(e -> e.disable());
            return http.build();
        }
        // A bearer token is never sent by a browser on its own: only writes carried by the session cookie can be
        // forged, and those need the XSRF-TOKEN cookie's value in an X-XSRF-TOKEN header (double submit).
        org.springframework.security.web.csrf.CookieCsrfTokenRepository csrfTokens =
                org.springframework.security.web.csrf.CookieCsrfTokenRepository.withHttpOnlyFalse();
        csrfTokens.setCookieCustomizer(c -> c.sameSite("Strict").path("/"));
        http.csrf(c -> c.spa().csrfTokenRepository(csrfTokens).requireCsrfProtectionMatcher(WebSecurity::sessionWrite));
        http.addFilterBefore(new BearerFilter(tokens, sessions, json), AuthorizationFilter.class)
                .addFilterAfter(new StartRateFilter(rates, json), AuthorizationFilter.class)
                .exceptionHandling(e -> e
                        .authenticationEntryPoint((req, res, ex) -> write(json, req, res, ProblemType.UNAUTHENTICATED,
                                req.getAttribute(SESSION_REFUSED) != null
                                        ? "The session has expired or is no longer valid: log in again (POST /v0/session)."
                                        : "This call needs a bearer token: Authorization: Bearer <token>.", REALM))
                        .accessDeniedHandler((req, res, ex) -> {
                            if (ex instanceof org.springframework.security.web.csrf.CsrfException) {
                                write(json, req, res, ProblemType.CSRF, "This write carries the session cookie, so it "
                                        + "needs the header X-XSRF-TOKEN with the value of the XSRF-TOKEN cookie.", REALM);
                            } else {
                                write(json, req, res, ProblemType.FORBIDDEN, denied(req), REALM + ", error=\"insufficient_scope\"");
                            }
                        }))
                .authorizeHttpRequests(a -> a
                        .dispatcherTypeMatchers(jakarta.servlet.DispatcherType.ASYNC, jakarta.servlet.DispatcherType.ERROR)
                        .permitAll() // a stream's later dispatches, error pages: the request was authorized already
                        .requestMatchers("/actuator/health", "/actuator/health/**", "/openapi.yaml", "/error").permitAll()
                        .requestMatchers("/v0/session").permitAll() // who am I, log in, log out
                        .requestMatchers(PAGES).permitAll()
                        .requestMatchers(HttpMethod.GET, "/ui/**", "/webjars/**", "/favicon.ico")
                        .permitAll() // the UI's pages and scripts: the API they call is what is protected
                        .requestMatchers(HttpMethod.GET, "/v0/agents").access(role(Role.READER))
                        .requestMatchers("/v0/agents/{agentId}", "/v0/agents/{agentId}/**").access(WebSecurity::asAgent)
                        .requestMatchers(HttpMethod.POST, "/v0/runs/*/nodes/*/claim", "/v0/runs/*/nodes/*/finish")
                        .access(role(Role.AGENT))
                        .requestMatchers(HttpMethod.GET, "/**").access(role(Role.READER))
                        .requestMatchers(HttpMethod.PUT, "/v0/runs").access(role(Role.OPERATOR))
                        .requestMatchers(HttpMethod.POST, "/v0/runs", "/v0/runs/*/cancel", "/v0/runs/*/pause",
                                "/v0/runs/*/resume", "/v0/runs/*/retry", "/v0/runs/*/rerun", "/v0/runs/*/nodes/*/skip")
                        .access(role(Role.OPERATOR))
                        .requestMatchers(HttpMethod.DELETE, "/v0/runs/*").access(role(Role.OPERATOR))
                        .anyRequest().access(role(Role.ADMIN)));
        return http.build();
    }

    /**
     * Spring Security's firewall, letting through what the API answers itself: an encoded {@code /} in a path
     * segment (a node or agent name the API refuses with its own problem); its header rule checked without a
     * regular expression ({@link HeaderText}).
     */
    @Bean
    org.springframework.security.web.firewall.HttpFirewall firewall() {
        org.springframework.security.web.firewall.StrictHttpFirewall f = new org.springframework.security.web.firewall.StrictHttpFirewall();
        f.setAllowUrlEncodedSlash(true);
        f.setAllowUrlEncodedPercent(true);
        f.setAllowedHeaderNames(HeaderText::allowed);
        f.setAllowedHeaderValues(HeaderText::allowed);
        return f;
    }

    /** A request the firewall refuses (e.g. a {@code %00} or a {@code ..} in its path) is a 400 problem, not an HTML page. */
    @Bean
    org.springframework.security.web.firewall.RequestRejectedHandler rejected(JsonMapper json) {
        return (req, res, e) -> {
            ProblemDetail p = ProblemHandler.detail(ProblemType.INVALID_REQUEST, "The request was refused: "
                    + e.getMessage() + ".", Map.of());
            res.setStatus(400);
            res.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            res.getOutputStream().write(json.writeValueAsBytes(p));
        };
    }

    /** A request matcher of one method and path pattern. */
    private static org.springframework.security.web.util.matcher.RequestMatcher at(HttpMethod method, String pattern) {
        return org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher.withDefaults()
                .matcher(method, pattern);
    }

    /** The UI's pages (HTML documents: open, and with the CSP): {@link UiController#PAGES} and Swagger UI's. */
    static final org.springframework.security.web.util.matcher.RequestMatcher PAGES =
            new org.springframework.security.web.util.matcher.OrRequestMatcher(java.util.stream.Stream.concat(
                    java.util.Arrays.stream(UiController.PAGES), java.util.stream.Stream.of("/index.html", "/swagger-ui",
                            "/swagger-ui/**")).map(p -> at(HttpMethod.GET, p)).toList());

    /** Set on a request whose session cookie was refused (expired, forged, its token changed). */
    static final String SESSION_REFUSED = "adagio.session.refused";

    /** Whether a request is a write that only the session cookie authenticates (so CSRF protection applies). */
    static boolean sessionWrite(HttpServletRequest req) {
        String m = req.getMethod();
        if (m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS") || m.equals("TRACE")) {
            return false;
        }
        String authorization = req.getHeader("Authorization");
        if ((authorization != null && !authorization.isBlank()) || sessionCookie(req) == null) {
            return false;
        }
        return !(m.equals("POST") && "/v0/session".equals(req.getRequestURI())); // a login proves itself with its token
    }

    static String sessionCookie(HttpServletRequest req) {
        jakarta.servlet.http.Cookie[] cookies = req.getCookies();
        if (cookies != null) {
            for (jakarta.servlet.http.Cookie c : cookies) {
                if (SESSION_COOKIE.equals(c.getName())) {
                    return c.getValue();
                }
            }
        }
        return null;
    }

    /** Says, with no token configured, that anyone who reaches the port may do anything. */
    @EventListener
    void warnWhenOpen(WebServerInitializedEvent event) {
        Tokens tokens = event.getApplicationContext().getBean(Tokens.class);
        String address = event.getApplicationContext().getEnvironment().getProperty("server.address");
        if (!tokens.enabled() && !loopback(address)) {
            log.warn("no adagio.security.tokens are configured and the API listens on {}:{}: anyone who can reach it "
                    + "can start, read, finish and delete anything. Configure tokens (docs/security.md), or listen on "
                    + "127.0.0.1 only (server.address).", address == null ? "every interface" : address,
                    event.getWebServer().getPort());
        }
    }

    private static boolean loopback(String address) {
        if (address == null || address.isBlank()) {
            return false;
        }
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /** The caller of a request, when it presented a valid token. */
    static Optional<Caller> caller(Authentication a) {
        return a != null && a.getPrincipal() instanceof Caller c ? Optional.of(c) : Optional.empty();
    }

    /** The caller of the current request; empty when it has none (and when security is off). */
    static Optional<Caller> currentCaller() {
        return caller(SecurityContextHolder.getContext().getAuthentication());
    }

    /** The name of the current caller's token, what its streams count against; empty when it has none. */
    static String currentOwner() {
        return currentCaller().map(Caller::name).orElse("");
    }

    /**
     * Checks that the current caller may act as the agent a request body names (a v1 claim or finish); with
     * security off, anyone may.
     *
     * @throws ApiException 403 {@code forbidden} when its token may not act as that agent, or names none
     */
    static void requireAgent(String agentId, String what) {
        Optional<Caller> c = currentCaller();
        if (c.isEmpty()) {
            return;
        }
        if (agentId == null || agentId.isBlank()) {
            throw new ApiException(ProblemType.FORBIDDEN, what + " must name its agent (agent_id): the agent holding the"
                    + " claim, which token " + c.get().name() + " may act as.", Map.of("field", "agent_id"));
        }
        if (!c.get().mayActAs(agentId)) {
            throw new ApiException(ProblemType.FORBIDDEN, "Token " + c.get().name() + " may not act as agent " + agentId
                    + ".", Map.of("agent_id", agentId));
        }
    }

    private static AuthorizationManager<RequestAuthorizationContext> role(Role role) {
        return (auth, ctx) -> new AuthorizationDecision(caller(auth.get()).map(c -> c.has(role)).orElse(false));
    }

    private static AuthorizationDecision asAgent(java.util.function.Supplier<? extends Authentication> auth,
                                                 RequestAuthorizationContext ctx) {
        String agentId = ctx.getVariables().get("agentId");
        return new AuthorizationDecision(caller(auth.get()).map(c -> c.mayActAs(agentId)).orElse(false));
    }

    private static String denied(HttpServletRequest req) {
        Optional<Caller> c = currentCaller();
        return "Token " + c.map(Caller::name).orElse("?") + " may not " + req.getMethod() + " " + req.getRequestURI()
                + c.map(x -> " (roles " + x.roles().stream().map(Role::configName).sorted().toList()
                + (x.agents().isEmpty() ? "" : ", agents " + x.agents()) + ")").orElse("") + ".";
    }

    static void write(JsonMapper json, HttpServletRequest req, HttpServletResponse res, ProblemType type, String detail,
                      String challenge) throws IOException {
        ProblemDetail p = ProblemHandler.detail(type, detail, Map.of());
        p.setInstance(URI.create(req.getRequestURI()));
        res.setStatus(type.status().value());
        res.setHeader("WWW-Authenticate", challenge);
        res.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        res.getOutputStream().write(json.writeValueAsBytes(p));
    }

    /**
     * Turns a bearer token, or else a session cookie, into the request's {@link Caller}; an unknown token is 401
     * at once, a refused session leaves the request anonymous (open paths pass, the rest is 401 saying so).
     */
    static final class BearerFilter extends OncePerRequestFilter {
        private final Tokens tokens;
        private final Sessions sessions;
        private final JsonMapper json;

        BearerFilter(Tokens tokens, Sessions sessions, JsonMapper json) {
            this.tokens = tokens;
            this.sessions = sessions;
            this.json = json;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
                throws ServletException, IOException {
            String header = req.getHeader("Authorization");
            if (header == null || header.isBlank()) {
                String cookie = sessionCookie(req);
                Optional<Sessions.Verified> session = cookie == null ? Optional.empty() : sessions.verify(cookie);
                if (cookie != null && session.isEmpty()) {
                    req.setAttribute(SESSION_REFUSED, Boolean.TRUE);
                }
                if (session.isEmpty()) {
                    chain.doFilter(req, res); // anonymous: open paths pass, the rest is 401
                    return;
                }
                req.setAttribute(SESSION_EXPIRES, session.get().expiresAt());
                authenticated(session.get().caller(), req, res, chain);
                return;
            }
            String token = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
            Optional<Caller> caller = tokens.authenticate(token);
            if (caller.isEmpty()) {
                write(json, req, res, ProblemType.UNAUTHENTICATED, token == null
                        ? "Authorization must be a bearer token: Authorization: Bearer <token>."
                        : "The bearer token is not one of this service's.", REALM + ", error=\"invalid_token\"");
                return;
            }
            authenticated(caller.get(), req, res, chain);
        }

        private static void authenticated(Caller caller, HttpServletRequest req, HttpServletResponse res, FilterChain chain)
                throws ServletException, IOException {
            var context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(new CallerAuthentication(caller));
            SecurityContextHolder.setContext(context);
            try {
                chain.doFilter(req, res);
            } finally {
                SecurityContextHolder.clearContext();
            }
        }
    }

    /** Set on a request authenticated by its session cookie: when the session expires ({@link java.time.Instant}). */
    static final String SESSION_EXPIRES = "adagio.session.expires";

    /**
     * Starts (a new run: {@code POST} or {@code PUT /v0/runs}, a rerun) of a token with a rate limit take one from
     * its bucket, after authorization; over the limit they are 429 {@code rate-limited} with {@code Retry-After},
     * and nothing starts. A start that started nothing (refused, or an idempotent replay) gives its start back.
     */
    static final class StartRateFilter extends OncePerRequestFilter {
        private static final org.springframework.security.web.util.matcher.RequestMatcher STARTS =
                new org.springframework.security.web.util.matcher.OrRequestMatcher(at(HttpMethod.POST, "/v0/runs"),
                        at(HttpMethod.PUT, "/v0/runs"), at(HttpMethod.POST, "/v0/runs/*/rerun"));
        private final StartRates rates;
        private final JsonMapper json;

        StartRateFilter(StartRates rates, JsonMapper json) {
            this.rates = rates;
            this.json = json;
        }

        @Override
        protected boolean shouldNotFilter(HttpServletRequest request) {
            return !STARTS.matches(request);
        }

        @Override
        protected void doFilterInternal(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
                throws ServletException, IOException {
            Optional<Caller> caller = currentCaller();
            Optional<java.time.Duration> wait = caller.flatMap(c -> rates.tryStart(c.name()));
            if (wait.isEmpty()) {
                chain.doFilter(req, res);
                if (caller.isPresent() && (res.getStatus() >= 400 || "true".equals(res.getHeader("Idempotent-Replayed")))) {
                    rates.refund(caller.get().name()); // refused or replayed: nothing started
                }
                return;
            }
            long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
            int limit = rates.limitOf(caller.get().name()).orElse(0);
            ProblemDetail p = ProblemHandler.detail(ProblemType.RATE_LIMITED, "Token " + caller.get().name() + " may start "
                    + limit + " runs a minute (adagio.security.tokens." + caller.get().name() + ".starts-per-minute); "
                    + "start again in " + seconds + " s. Nothing was started.",
                    Map.of("token", caller.get().name(), "starts_per_minute", limit, "retryable", true));
            p.setInstance(URI.create(req.getRequestURI()));
            res.setStatus(ProblemType.RATE_LIMITED.status().value());
            res.setHeader("Retry-After", Long.toString(seconds));
            res.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            res.getOutputStream().write(json.writeValueAsBytes(p));
        }
    }

    /** A request authenticated by a token: its {@link Caller}, with its roles as authorities. */
    static final class CallerAuthentication extends AbstractAuthenticationToken {
        private final Caller caller;

        CallerAuthentication(Caller caller) {
            super(caller.roles().stream().map(r -> new SimpleGrantedAuthority("ROLE_" + r.configName())).toList());
            this.caller = caller;
            setAuthenticated(true);
        }

        @Override
        public Object getCredentials() {
            return ""; // the token is not kept
        }

        @Override
        public Object getPrincipal() {
            return caller;
        }
    }
}
