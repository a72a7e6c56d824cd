package io.adagio.api;

import org.apache.catalina.Container;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.TomcatContextCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * Requests Tomcat refuses before the application sees them — a {@code %00}, a {@code |} or a bad {@code %}
 * escape in the path, a request line or headers larger than {@code server.max-http-request-header-size} — are
 * answered as problem+json like every other refusal, instead of Tomcat's HTML page: its error report valve is
 * replaced by {@link ProblemValve} (Tomcat's, and the one Spring Boot adds), which writes only where nothing else
 * did (the application's own errors keep their problems).
 */
@Configuration(proxyBeanMethods = false)
class ContainerProblems {

    @Bean
    TomcatContextCustomizer problemReports(JsonMapper json) {
        return context -> {
            Container parent = context.getParent();
            if (parent instanceof StandardHost host) {
                host.setErrorReportValveClass(ProblemValve.class.getName()); // the host adds no HTML one of its own
                host.getPipeline().addValve(new ProblemValve(json));
                // Spring Boot adds an HTML one of its own (without stack traces); ours replaces it
                host.addLifecycleListener(event -> {
                    if (org.apache.catalina.Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
                        for (org.apache.catalina.Valve v : host.getPipeline().getValves()) {
                            if (v instanceof ErrorReportValve && !(v instanceof ProblemValve)) {
                                host.getPipeline().removeValve(v);
                            }
                        }
                    }
                });
            }
        };
    }

    /** Tomcat's error report, as problem+json. */
    static final class ProblemValve extends ErrorReportValve {
        private final JsonMapper json;

        ProblemValve(JsonMapper json) {
            this.json = json;
        }

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int status = response.getStatus();
            if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            String why = throwable != null && throwable.getMessage() != null ? throwable.getMessage() : response.getMessage();
            ProblemDetail p = problem(status, why);
            try {
                response.reset();
                response.setStatus(p.getStatus());
                response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
                response.setCharacterEncoding("UTF-8");
                OutputStream out = response.getOutputStream();
                out.write(json.writeValueAsBytes(p));
                response.finishResponse();
            } catch (IOException | IllegalStateException e) {
                // the client is gone or the response was committed meanwhile: nothing more to tell
            }
        }

        /** The problem for a status Tomcat chose (kept, but for its 400 of an oversized request line or headers). */
        static ProblemDetail problem(int status, String why) {
            String reason = why == null || why.isBlank() ? "" : ": " + why;
            if (status == 400 && why != null && why.contains("too large")) {
                return ProblemHandler.detail(ProblemType.REQUEST_HEADER_TOO_LARGE, "The request line and headers are larger "
                        + "than this server takes (server.max-http-request-header-size, 8 KB unless configured): shorten the "
                        + "URL or the headers.", Map.of());
            }
            ProblemType type = switch (status) {
                case 400 -> ProblemType.INVALID_REQUEST;
                case 404 -> ProblemType.NOT_FOUND;
                case 405 -> ProblemType.METHOD_NOT_ALLOWED;
                case 413 -> ProblemType.PAYLOAD_TOO_LARGE;
                case 415 -> ProblemType.UNSUPPORTED_MEDIA_TYPE;
                case 500 -> ProblemType.INTERNAL_ERROR;
                default -> null;
            };
            if (type == null) { // a status of the web server's own (408, 501, 505, …): kept, with no type of ours
                ProblemDetail p = ProblemDetail.forStatus(status);
                p.setType(java.net.URI.create("about:blank")); // RFC 9457: no more than the status says
                p.setDetail("The web server refused the request" + reason + ".");
                return p;
            }
            return ProblemHandler.detail(type, "The web server refused the request" + reason
                    + (type == ProblemType.INVALID_REQUEST ? " (characters such as %00, |, \\ or a bad %-escape cannot appear "
                    + "in a path; percent-encode them, or use names without them)." : "."), Map.of());
        }
    }
}
