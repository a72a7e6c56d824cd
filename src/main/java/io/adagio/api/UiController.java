package io.adagio.api;

import io.adagio.config.ServesApi;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The UI's pages: each has its own URL ({@code /runs/{id}} can be shared) and all are the one page
 * {@code static/index.html}, which draws itself from the API. Swagger UI shows {@code /openapi.yaml} at
 * {@code /swagger-ui/}. Nothing here is secret: the pages are open, the API they call is not.
 */
@Controller
@ServesApi
class UiController {
    /** The page paths the UI routes itself; every other path stays the API's (a 404 problem when unknown). */
    static final String[] PAGES = {"/", "/runs", "/runs/{runId}", "/start", "/agents"};

    @GetMapping({"/", "/runs", "/runs/{runId}", "/start", "/agents"})
    String page() {
        return "forward:/index.html";
    }

    @GetMapping("/swagger-ui")
    String swaggerUi() {
        return "redirect:/swagger-ui/";
    }

    @GetMapping("/swagger-ui/")
    String swaggerUiIndex() {
        return "forward:/swagger-ui/index.html";
    }
}
