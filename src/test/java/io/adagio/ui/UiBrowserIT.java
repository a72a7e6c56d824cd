package io.adagio.ui;

import io.adagio.support.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The UI in a real headless Chromium against the real service (the embedded default: API and agents in one JVM):
 * the example drawn as 7 nodes and 8 edges, colours changing live without a reload, cancel from the run page,
 * the cycle of a refused graph marked on the start page, a node's output in its panel reached by keyboard, and a
 * 10,000-node run opened within 3 s. Screenshots go to target/ui-screenshots.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"adagio.mode=all"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UiBrowserIT {
    @LocalServerPort
    int port;
    ChromeDriver driver;
    Http http;

    @BeforeAll
    void open() {
        driver = Browser.start();
        http = new Http(port);
    }

    @AfterAll
    void close() {
        if (driver != null) {
            driver.quit();
        }
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }

    private WebDriverWait waiting(Duration d) {
        return new WebDriverWait(driver, d, Duration.ofMillis(50));
    }

    private String start(String graph) {
        Http.Reply r = http.post("/v0/runs", graph);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().path("run").path("id").asString();
    }

    private void openRun(String id) {
        driver.get(url("/runs/" + id));
        waiting(Duration.ofSeconds(10)).until(d -> "true".equals(d.findElement(By.id("dag")).getDomAttribute("data-ready")));
    }

    /** A graph of {@code manual} nodes (a runtime no agent offers: they wait), as JSON. */
    private static String manual(List<String> nodes, List<String[]> edges) {
        StringBuilder g = new StringBuilder("{\"nodes\":[");
        for (int i = 0; i < nodes.size(); i++) {
            g.append(i == 0 ? "" : ",").append("{\"name\":\"").append(nodes.get(i)).append("\",\"runtime\":\"manual\"}");
        }
        g.append("],\"edges\":[");
        for (int i = 0; i < edges.size(); i++) {
            g.append(i == 0 ? "" : ",").append("{\"source\":\"").append(edges.get(i)[0]).append("\",\"destination\":\"")
                    .append(edges.get(i)[1]).append("\"}");
        }
        return g.append("]}").toString();
    }

    /** Opens a run's page from another page; how long until its DAG was drawn, in ms. */
    private long openTimed(String id) {
        driver.get(url("/"));
        long began = System.nanoTime();
        driver.get(url("/runs/" + id));
        waiting(Duration.ofSeconds(20)).until(d -> "true".equals(d.findElement(By.id("dag")).getDomAttribute("data-ready")));
        return (System.nanoTime() - began) / 1_000_000;
    }

    private String label(String node) {
        return driver.findElement(By.cssSelector(".node[data-name='" + node + "'] text")).getDomProperty("textContent");
    }

    private String state(String node) {
        return driver.findElement(By.cssSelector(".node[data-name='" + node + "']")).getDomAttribute("data-state");
    }

    @Test
    void theExampleIsDrawnAndItsNodesChangeColourLiveUntilItSucceeds() throws Exception {
        String id = start(Files.readString(Path.of("examples", "quickstart.json")));
        openRun(id);
        assertThat(driver.findElements(By.cssSelector("#dag .node"))).hasSize(7);
        assertThat(driver.findElements(By.cssSelector("#dag .edge"))).hasSize(8);
        ((JavascriptExecutor) driver).executeScript("window.__sameDocument = true;");
        String gBefore = state("g");
        assertThat(gBefore).isEqualTo("WAITING");
        String fill = driver.findElement(By.cssSelector(".node[data-name='g'] rect")).getCssValue("fill");
        Browser.screenshot(driver, "run-progressing");

        waiting(Duration.ofSeconds(30)).until(d -> "SUCCESS".equals(state("g")));
        assertThat(driver.findElement(By.cssSelector(".node[data-name='g'] rect")).getCssValue("fill"))
                .as("its colour changed").isNotEqualTo(fill);
        assertThat(((JavascriptExecutor) driver).executeScript("return window.__sameDocument === true;"))
                .as("without a reload").isEqualTo(true);
        waiting(Duration.ofSeconds(10)).until(ExpectedConditions.textToBePresentInElementLocated(By.id("run-status"), "SUCCEEDED"));
        for (String n : List.of("a", "b", "c", "d", "e", "f", "g")) {
            assertThat(state(n)).as(n).isEqualTo("SUCCESS");
        }
        Browser.screenshot(driver, "run-page");

        // keyboard: Tab to the first node, Enter opens its panel with its output decoded as text
        WebElement a = driver.findElement(By.cssSelector(".node[data-name='a']"));
        a.sendKeys(Keys.ENTER);
        waiting(Duration.ofSeconds(10)).until(ExpectedConditions.textToBePresentInElementLocated(By.id("node-panel"), "Attempts (1)"));
        String panel = driver.findElement(By.id("node-panel")).getText();
        assertThat(panel).contains("SUCCESS").contains("text, 1 byte");
        assertThat(driver.findElement(By.cssSelector("#node-panel pre.value")).getText()).isEqualTo("a");
        Browser.screenshot(driver, "node-panel");
    }

    @Test
    void everyPageHasReadableContrastNamesAndKeyboardAccess() throws Exception {
        String id = start(Files.readString(Path.of("examples", "quickstart.json")));
        java.util.Map<String, List<String>> found = new java.util.LinkedHashMap<>();
        for (String page : List.of("/", "/runs", "/runs/" + id, "/start", "/agents")) {
            driver.get(url(page));
            waiting(Duration.ofSeconds(10)).until(d -> !d.findElement(By.id("main")).getText().contains("Loading…")
                    && (!page.startsWith("/runs/") || "true".equals(d.findElement(By.id("dag")).getDomAttribute("data-ready"))));
            List<String> v = Browser.accessibilityViolations(driver);
            if (!v.isEmpty()) {
                found.put(page, v);
            }
        }
        driver.get(url("/start"));
        waiting(Duration.ofSeconds(10)).until(ExpectedConditions.elementToBeClickable(By.id("graph"))).sendKeys("{\"nodes\":[]}");
        driver.findElement(By.id("start")).click();
        waiting(Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#start-errors .error")));
        List<String> withError = Browser.accessibilityViolations(driver);
        if (!withError.isEmpty()) {
            found.put("/start with a problem shown", withError);
        }
        assertThat(found).as("axe-core's WCAG 2 A/AA violations by page").isEmpty();
        ((JavascriptExecutor) driver).executeScript("const p = document.createElement('p'); p.textContent = 'faint';"
                + "p.style.color = '#d0d0d0'; document.getElementById('main').append(p);");
        assertThat(Browser.accessibilityViolations(driver)).as("the check itself finds poor contrast")
                .anyMatch(v -> v.startsWith("color-contrast"));

        // keyboard: from the top of the page, Tab reaches the main navigation and a node of the DAG
        driver.get(url("/runs/" + id));
        waiting(Duration.ofSeconds(10)).until(d -> "true".equals(d.findElement(By.id("dag")).getDomAttribute("data-ready")));
        org.openqa.selenium.interactions.Actions keys = new org.openqa.selenium.interactions.Actions(driver);
        boolean reachedNode = false;
        for (int i = 0; i < 40 && !reachedNode; i++) {
            keys.sendKeys(Keys.TAB).perform();
            reachedNode = "node".equals(String.valueOf(((JavascriptExecutor) driver)
                    .executeScript("return document.activeElement.classList && document.activeElement.classList[0];")));
        }
        assertThat(reachedNode).as("a DAG node is reached with Tab").isTrue();
        driver.switchTo().activeElement().sendKeys(Keys.ENTER);
        waiting(Duration.ofSeconds(10)).until(ExpectedConditions.textToBePresentInElementLocated(By.id("node-panel"), "Attempts"));
    }

    @Test
    void swaggerUiShowsTheApiUnderTheContentSecurityPolicy() {
        driver.get(url("/swagger-ui"));
        waiting(Duration.ofSeconds(20)).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".opblock")));
        assertThat(driver.findElements(By.cssSelector(".opblock"))).as("its operations").hasSizeGreaterThan(30);
        assertThat(driver.getPageSource()).contains("createRun");
        Http.Reply page = http.get("/");
        assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'").contains("frame-ancestors 'none'");
        assertThat(http.get("/runs/" + start("{\"nodes\":[{\"name\":\"a\",\"runtime\":\"manual\"}]}"))
                .header("Content-Security-Policy")).as("a run's page too").contains("default-src 'self'");
        Browser.screenshot(driver, "swagger-ui");
    }

    @Test
    void aFanOutIsOneGroupUntilExpanded() {
        List<String> nodes = new java.util.ArrayList<>(List.of("root"));
        List<String[]> edges = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            nodes.add("leaf-" + i);
            edges.add(new String[]{"root", "leaf-" + i});
        }
        openRun(start(manual(nodes, edges)));
        assertThat(driver.findElements(By.cssSelector("#dag .node"))).hasSize(2);
        WebElement group = driver.findElement(By.cssSelector("#dag .node.group"));
        assertThat(group.getDomAttribute("data-count")).isEqualTo("8");
        assertThat(group.getDomAttribute("aria-label")).contains("8 WAITING");
        group.sendKeys(Keys.ENTER);
        waiting(Duration.ofSeconds(10)).until(d -> d.findElements(By.cssSelector("#dag .node")).size() == 9);
        assertThat(driver.findElements(By.cssSelector("#dag .node.group"))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("#dag .edge"))).hasSize(8);
    }

    @Test
    void nodesNamedLikeJavaScriptsOwnPropertiesAreDrawnLikeAnyOther() {
        openRun(start("{\"nodes\":[{\"name\":\"__proto__\",\"runtime\":\"manual\"},{\"name\":\"constructor\",\"runtime\":\"manual\"},"
                + "{\"name\":\"<img src=x onerror=alert(1)>\",\"runtime\":\"manual\"}],\"edges\":[{\"source\":\"__proto__\",\"destination\":\"constructor\"},"
                + "{\"source\":\"constructor\",\"destination\":\"<img src=x onerror=alert(1)>\"}]}"));
        assertThat(driver.findElements(By.cssSelector("#dag .node"))).hasSize(3);
        assertThat(driver.findElements(By.cssSelector("#dag .edge"))).hasSize(2);
        assertThat(driver.findElements(By.cssSelector("#dag img"))).as("a name is text, never markup").isEmpty();
        assertThat(driver.findElement(By.cssSelector(".node[data-name='<img src=x onerror=alert(1)>'] title"))
                .getDomProperty("textContent")).startsWith("<img src=x onerror=alert(1)>");
    }

    @Test
    void theRunsListPagesWithoutLoadingEveryRun() {
        for (int i = 0; i < 120; i++) {
            start("{\"nodes\":[{\"name\":\"p\",\"runtime\":\"manual\"}]}");
        }
        driver.get(url("/runs?status=WAITING"));
        waiting(Duration.ofSeconds(10)).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#main table tbody tr")));
        List<WebElement> first = driver.findElements(By.cssSelector("#main table tbody tr"));
        assertThat(first).as("one page").hasSize(50);
        String firstId = first.get(0).getDomAttribute("data-run");
        driver.findElement(By.linkText("Next page")).click();
        waiting(Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("page_token="));
        waiting(Duration.ofSeconds(10)).until(d -> !d.findElements(By.cssSelector("#main table tbody tr")).isEmpty()
                && !firstId.equals(d.findElements(By.cssSelector("#main table tbody tr")).get(0).getDomAttribute("data-run")));
        assertThat(driver.findElements(By.cssSelector("#main table tbody tr"))).hasSize(50);
        assertThat(driver.findElement(By.id("f-status")).getDomProperty("value")).as("the filter is kept").isEqualTo("WAITING");
    }

    @Test
    void theAgentsPageAndTheNodePanelSayWhichAgentHoldsANode() {
        String id = start("{\"nodes\":[{\"name\":\"held-here\",\"runtime\":\"debug\",\"metadata\":{\"adagio.runtime.debug.sleep\":"
                + "{\"values\":[\"60s\"]}}}]}");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                "RUNNING".equals(http.get("/v0/runs/" + id + "/nodes/held-here").json().path("node").path("status").asString()));
        String agent = http.get("/v0/runs/" + id + "/nodes/held-here").json().path("node").path("claim").path("agent_id").asString();
        assertThat(agent).isNotBlank();
        driver.get(url("/agents"));
        WebElement row = waiting(Duration.ofSeconds(10)).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("tr[data-agent='" + agent + "'] td.holding a")));
        assertThat(row.getText()).isEqualTo("held-here");
        assertThat(row.getDomAttribute("href")).isEqualTo("/runs/" + id);
        Browser.screenshot(driver, "agents");
        row.click();
        waiting(Duration.ofSeconds(10)).until(d -> "true".equals(d.findElement(By.id("dag")).getDomAttribute("data-ready")));
        driver.findElement(By.cssSelector(".node[data-name='held-here']")).click();
        waiting(Duration.ofSeconds(10)).until(ExpectedConditions.textToBePresentInElementLocated(By.id("node-panel"), agent));
        assertThat(driver.findElement(By.id("node-panel")).getText()).contains("Agent");
        http.post("/v0/runs/" + id + "/cancel", "{\"grace\":\"0s\"}");
    }

    @Test
    void cancelOnTheRunPageEndsTheRun() {
        String id = start("{\"nodes\":[{\"name\":\"slow\",\"runtime\":\"debug\",\"metadata\":{\"adagio.runtime.debug.sleep\":"
                + "{\"values\":[\"60s\"]}}},{\"name\":\"after\",\"runtime\":\"debug\"}],\"edges\":[{\"source\":\"slow\",\"destination\":\"after\"}]}");
        openRun(id);
        waiting(Duration.ofSeconds(10)).until(d -> "RUNNING".equals(state("slow")));
        driver.findElement(By.xpath("//div[@role='toolbar']/button[text()='Cancel']")).click();
        waiting(Duration.ofSeconds(20)).until(ExpectedConditions.textToBePresentInElementLocated(By.id("run-status"), "CANCELLED"));
        assertThat(http.get("/v0/runs/" + id).json().path("run").path("outcome").asString()).isEqualTo("CANCELLED");
        waiting(Duration.ofSeconds(10)).until(d -> "CANCELLED".equals(state("after")));
        Browser.screenshot(driver, "run-cancelled");
    }

    @Test
    void theStartFormMarksTheCycleOfACyclicGraph() {
        driver.get(url("/start"));
        WebElement text = waiting(Duration.ofSeconds(10)).until(ExpectedConditions.elementToBeClickable(By.id("graph")));
        String cyclic = "{\"nodes\":[{\"name\":\"x\",\"runtime\":\"debug\"},{\"name\":\"y\",\"runtime\":\"debug\"},"
                + "{\"name\":\"z\",\"runtime\":\"debug\"}],\"edges\":[{\"source\":\"x\",\"destination\":\"y\"},"
                + "{\"source\":\"y\",\"destination\":\"z\"},{\"source\":\"z\",\"destination\":\"y\"}]}";
        List<String> cycle = new java.util.ArrayList<>();
        http.post("/v0/runs", cyclic).json().path("cycle").forEach(n -> cycle.add(n.asString()));
        assertThat(cycle).as("the API's answer").hasSize(3).containsOnly("y", "z");
        text.sendKeys(cyclic);
        driver.findElement(By.id("start")).click();
        WebElement error = waiting(Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#start-errors .error")));
        assertThat(error.getDomAttribute("data-type")).isEqualTo("cycle");
        assertThat(error.findElements(By.cssSelector("mark.cycle-node")).stream().map(WebElement::getText).toList())
                .as("the cycle's path, as the API gave it").containsExactlyElementsOf(cycle);
        assertThat(driver.getCurrentUrl()).as("nothing started: still on the form").endsWith("/start");
        Browser.screenshot(driver, "start-cycle");
    }

    @Test
    void theStartFormStartsTheExampleAndOpensItsRun() {
        driver.get(url("/start"));
        waiting(Duration.ofSeconds(10)).until(ExpectedConditions.elementToBeClickable(By.id("load-example"))).click();
        waiting(Duration.ofSeconds(10)).until(d -> d.findElement(By.id("graph")).getDomProperty("value").contains("\"nodes\""));
        driver.findElement(By.id("start")).click();
        waiting(Duration.ofSeconds(10)).until(ExpectedConditions.urlMatches(".*/runs/[0-9A-Z]{26}$"));
        waiting(Duration.ofSeconds(10)).until(d -> "true".equals(d.findElement(By.id("dag")).getDomAttribute("data-ready")));
        assertThat(driver.findElements(By.cssSelector("#dag .node"))).hasSize(7);
        driver.findElement(By.cssSelector("nav a[href='/runs']")).click();
        waiting(Duration.ofSeconds(10)).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("table tbody tr")));
        Browser.screenshot(driver, "runs");
        driver.findElement(By.cssSelector("nav a[href='/']")).click();
        waiting(Duration.ofSeconds(10)).until(ExpectedConditions.textToBePresentInElementLocated(By.id("main"), "Agents"));
        assertThat(driver.findElement(By.id("main")).getText()).contains("debug");
        Browser.screenshot(driver, "dashboard");
    }

    @Test
    void aTenThousandNodeRunOpensWithinThreeSeconds() {
        List<String> nodes = new java.util.ArrayList<>(List.of("split", "join"));
        List<String[]> edges = new java.util.ArrayList<>();
        for (int i = 0; i < 9_998; i++) {
            nodes.add("item-" + i);
            edges.add(new String[]{"split", "item-" + i});
            edges.add(new String[]{"item-" + i, "join"});
        }
        long ms = openTimed(start(manual(nodes, edges)));
        assertThat(ms).as("opened in %d ms", ms).isLessThan(3_000);
        WebElement group = driver.findElement(By.cssSelector("#dag .node.group"));
        assertThat(group.getDomAttribute("data-count")).isEqualTo("9998");
        assertThat(driver.findElements(By.cssSelector("#dag .node"))).hasSize(3);
        Browser.screenshot(driver, "run-10000");
        System.out.println("10,000-node run opened in " + ms + " ms");
    }

    @Test
    void theRunPageStaysResponsiveWhileATenThousandNodeRunProgresses() {
        // the built-in agents run 9,998 branches of 5 ms each: about 3,000 node changes a second reach the page
        StringBuilder g = new StringBuilder("{\"nodes\":[{\"name\":\"split\",\"runtime\":\"debug\"}");
        StringBuilder e = new StringBuilder();
        for (int i = 0; i < 9_998; i++) {
            g.append(",{\"name\":\"item-").append(i).append("\",\"runtime\":\"debug\",\"metadata\":{\"adagio.runtime.debug.sleep\":")
                    .append("{\"values\":[\"5ms\"]}}}");
            e.append(i == 0 ? "" : ",").append("{\"source\":\"split\",\"destination\":\"item-").append(i).append("\"}");
        }
        String id = start(g.append("],\"edges\":[").append(e).append("]}").toString());
        openRun(id);
        JavascriptExecutor js = driver;
        js.executeScript("window.__long = []; window.__frames = 0;"
                + "new PerformanceObserver(l => l.getEntries().forEach(x => window.__long.push(Math.round(x.duration))))"
                + ".observe({type: 'longtask'});"
                + "(function tick() { window.__frames++; requestAnimationFrame(tick); })();");
        WebElement group = driver.findElement(By.cssSelector("#dag .node.group"));
        String before = group.getDomAttribute("aria-label");
        long frames0 = ((Number) js.executeScript("return window.__frames;")).longValue();
        waiting(Duration.ofSeconds(10)).until(d -> ((Number) js.executeScript("return window.__frames;")).longValue() > frames0 + 100);
        String during = driver.findElement(By.cssSelector("#dag .node.group")).getDomAttribute("aria-label");
        @SuppressWarnings("unchecked")
        List<Number> longTasks = (List<Number>) js.executeScript("return window.__long;");
        long frames = ((Number) js.executeScript("return window.__frames;")).longValue() - frames0;
        System.out.println("while the run progressed: " + frames + " frames, long tasks (ms) " + longTasks
                + "; group " + before + " -> " + during);
        assertThat(during).as("the group's counts moved live").isNotEqualTo(before);
        assertThat(longTasks).as("no task held the page for 200 ms or more").allSatisfy(t -> assertThat(t.longValue()).isLessThan(200));
    }

    @Test
    void aTenThousandNodeRunThatNothingCollapsesOpensWithinThreeSeconds() {
        // 100 chains of 100 nodes: every node has its own upstream node, so each is drawn, laid out in the worker
        List<String> nodes = new java.util.ArrayList<>();
        List<String[]> edges = new java.util.ArrayList<>();
        for (int c = 0; c < 100; c++) {
            for (int i = 0; i < 100; i++) {
                nodes.add("c" + c + "-" + i);
                if (i > 0) {
                    edges.add(new String[]{"c" + c + "-" + (i - 1), "c" + c + "-" + i});
                }
            }
        }
        long ms = openTimed(start(manual(nodes, edges)));
        WebElement dag = driver.findElement(By.id("dag"));
        // where the time went when it is slow: the page's long frames (scripts, then style, layout and paint)
        System.out.println("long frames: " + ((JavascriptExecutor) driver).executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "const seen = []; new PerformanceObserver((l) => l.getEntries().forEach((e) => seen.push({start: Math.round(e.startTime),"
                + " ms: Math.round(e.duration), renderAt: Math.round(e.renderStart), scripts: e.scripts.map((x) => x.sourceURL.replace(/.*\\//, '')"
                + " + ' ' + Math.round(x.duration) + ' ms')}))).observe({type: 'long-animation-frame', buffered: true});"
                + "setTimeout(() => done(JSON.stringify(seen)), 100);"));
        System.out.println("10,000-node run of 100 chains opened in " + ms + " ms (layout in the worker "
                + dag.getDomAttribute("data-layout-ms") + " ms, layout and drawing " + dag.getDomAttribute("data-drawn-ms") + " ms)");
        assertThat(driver.findElements(By.cssSelector("#dag .node"))).hasSize(10_000);
        assertThat(ms).as("opened in %d ms", ms).isLessThan(3_000);
        assertThat(label("c0-0")).as("a node in view is labelled").isEqualTo("c0-0");
        Browser.screenshot(driver, "run-10000-chains");
        // a node reached by keyboard is brought into view and drawn (the page behaves as focused, as a user's
        // would when typing: a headless window without focus gets no focus events)
        driver.executeCdpCommand("Emulation.setFocusEmulationEnabled", java.util.Map.of("enabled", true));
        ((JavascriptExecutor) driver).executeScript("document.querySelector(\".node[data-name='c0-99']\").focus();");
        waiting(Duration.ofSeconds(10)).until(d -> "c0-99".equals(label("c0-99")));
        // zoomed out over the whole graph, the far corner's nodes are labelled too
        ((JavascriptExecutor) driver).executeScript("const svg = document.querySelector('#dag svg');"
                + "for (let i = 0; i < 20; i++) svg.dispatchEvent(new WheelEvent('wheel', {deltaY: 100, clientX: 10, clientY: 10, bubbles: true, cancelable: true}));");
        waiting(Duration.ofSeconds(10)).until(d -> "c99-99".equals(label("c99-99")));
        assertThat(label("c50-50")).isEqualTo("c50-50");
    }
}
