package io.adagio.ui;

import io.adagio.support.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.http.HttpRequest;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The UI with tokens configured: the page asks for a token once, trades it for the session cookie (which scripts
 * cannot read), and then reads, follows its run over EventSource and starts runs (with the XSRF header) without the
 * token ever being in a URL or kept by the page. A reader's session may look but not start.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"adagio.mode=all",
        "adagio.security.tokens.ops.sha256=" + UiSecuredBrowserIT.OPS_HASH, "adagio.security.tokens.ops.roles=operator",
        "adagio.security.tokens.viewer.sha256=" + UiSecuredBrowserIT.VIEWER_HASH, "adagio.security.tokens.viewer.roles=reader"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UiSecuredBrowserIT {
    static final String OPS = "ops-token-for-the-ui-test-0123456789";
    static final String OPS_HASH = "b0bee02364bacbfe17356ebb2c5a1140120ef4948ab90831bd3f9f949745d4f5";
    static final String VIEWER = "viewer-token-for-the-ui-test-0123456789";
    static final String VIEWER_HASH = "e0be19fac2d8fd4cdb84d742ed3b2cc83a44396bf21e5d74b371bd0616144d3c";

    @LocalServerPort
    int port;
    ChromeDriver driver;

    @BeforeAll
    void open() {
        driver = Browser.start();
    }

    @AfterAll
    void close() {
        if (driver != null) {
            driver.quit();
        }
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(driver, Duration.ofSeconds(15), Duration.ofMillis(50));
    }

    private void logIn(String token) {
        WebElement input = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("login-token")));
        input.sendKeys(token);
        driver.findElement(By.cssSelector("#login-form button[type=submit]")).click();
        waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.id("login")));
    }

    @Test
    void anOperatorLogsInOnceThenStartsAndFollowsARun() {
        driver.manage().deleteAllCookies();
        driver.get("http://localhost:" + port + "/start");
        waiting().until(ExpectedConditions.elementToBeClickable(By.id("load-example"))).click();
        waiting().until(d -> d.findElement(By.id("graph")).getDomProperty("value").contains("\"nodes\""));
        driver.findElement(By.id("start")).click(); // 401: the page asks for the token, then starts the run
        logIn(OPS);
        waiting().until(ExpectedConditions.urlMatches(".*/runs/[0-9A-Z]{26}$"));
        waiting().until(d -> "true".equals(d.findElement(By.id("dag")).getDomAttribute("data-ready")));
        waiting().until(d -> "SUCCESS".equals(d.findElement(By.cssSelector(".node[data-name='g']")).getDomAttribute("data-state")));
        assertThat(driver.findElement(By.id("who")).getText()).contains("ops");

        Cookie session = driver.manage().getCookieNamed("adagio_session");
        assertThat(session).isNotNull();
        assertThat(session.isHttpOnly()).isTrue();
        assertThat(session.getSameSite()).isEqualTo("Strict");
        assertThat(session.getValue()).doesNotContain(OPS);
        assertThat(String.valueOf(driver.executeScript("return document.cookie + JSON.stringify(localStorage) + JSON.stringify(sessionStorage);")))
                .as("the page keeps no token").doesNotContain(OPS).doesNotContain("adagio_session");
        Browser.screenshot(driver, "secured-run");
    }

    @Test
    void givingUpOnTheLoginSaysSoInsteadOfHanging() {
        driver.manage().deleteAllCookies();
        driver.get("http://localhost:" + port + "/agents");
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("login-token")))
                .sendKeys(org.openqa.selenium.Keys.ESCAPE);
        WebElement error = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#main .error")));
        assertThat(error.getText()).contains("Not logged in");
        driver.findElement(By.cssSelector("nav a[href='/runs']")).click(); // asks again, and a login then works
        logIn(VIEWER);
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#main table, #main p:not(.muted)")));
        assertThat(driver.findElement(By.id("who")).getText()).contains("viewer");
    }

    private int runs() {
        Http http = new Http(port);
        return http.send(HttpRequest.newBuilder(http.uri("/v0/runs?limit=1000")).header("Authorization", "Bearer " + OPS).GET())
                .json().path("runs").size();
    }

    @Test
    void aReadersSessionSeesRunsButItsStartIsRefusedOnThePage() {
        int before = runs();
        driver.manage().deleteAllCookies();
        driver.get("http://localhost:" + port + "/runs");
        logIn(VIEWER);
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#main table, #main p")));
        driver.get("http://localhost:" + port + "/start");
        waiting().until(ExpectedConditions.elementToBeClickable(By.id("graph"))).sendKeys("{\"nodes\":[{\"name\":\"a\",\"runtime\":\"debug\"}]}");
        driver.findElement(By.id("start")).click();
        WebElement error = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#start-errors .error")));
        assertThat(error.getDomAttribute("data-type")).isEqualTo("forbidden");
        assertThat(runs()).as("the reader started nothing").isEqualTo(before);
    }
}
