package io.adagio.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import java.util.Map;

/** Puts the request's run id, node name and agent id in the logging context (MDC), so every log line carries them. */
@Configuration(proxyBeanMethods = false)
class RequestContext implements WebMvcConfigurer, HandlerInterceptor {
    private static final Map<String, String> KEYS = Map.of("runId", "run_id", "name", "node", "agentId", "agent_id");

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(this);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        Object vars = request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        if (vars instanceof Map<?, ?> m) {
            KEYS.forEach((var, key) -> {
                Object v = m.get(var);
                if (v != null) {
                    MDC.put(key, v.toString());
                }
            });
        }
        return true;
    }

    @Override
    public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
        KEYS.values().forEach(MDC::remove);
    }
}
