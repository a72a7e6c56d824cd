package io.adagio.api;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.autoconfigure.WebMvcRegistrations;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.condition.PathPatternsRequestCondition;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Spring MVC's request mappings, each tried by its path first. A request whose path has a variable (every agent
 * call: {@code /v0/agents/{id}/…}) is tried against every mapping, and Spring checks a mapping's method,
 * consumed and produced media types before its path — each reading request headers through the security
 * firewall's validation — so every finish paid for the content negotiation of every POST mapping: a third of the
 * service's CPU on a finish went to finding its handler (JFR of a split chain, docs/benchmarks.md, session 12).
 * A mapping whose path does not match cannot match, so trying the path first changes no answer; a request no
 * mapping takes is still answered 404, 405, 406 or 415 from all the mappings, as before.
 */
@Component
class PathFirstMappings implements WebMvcRegistrations {
    @Override
    public RequestMappingHandlerMapping getRequestMappingHandlerMapping() {
        return new RequestMappingHandlerMapping() {
            @Override
            protected RequestMappingInfo getMatchingMapping(RequestMappingInfo info, HttpServletRequest request) {
                PathPatternsRequestCondition paths = info.getPathPatternsCondition();
                if (paths != null && paths.getMatchingCondition(request) == null) {
                    return null;
                }
                return super.getMatchingMapping(info, request);
            }
        };
    }
}
