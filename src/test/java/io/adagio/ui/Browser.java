package io.adagio.ui;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which {@code .ci/run} installs),
 * driven through {@code /usr/bin/chromedriver} so Selenium Manager downloads nothing; with the flags that keep it
 * from stalling on this closed network, a fresh profile (deleted when it quits), and screenshots saved under
 * {@code target/ui-screenshots}.
 * A missing browser is installed with apt as root on Debian/Ubuntu, else fails the test: it is never skipped.
 */
final class Browser {
    static final Path SHOTS = Path.of("target", "ui-screenshots");

    private Browser() {
    }

    static ChromeDriver start() {
        if (!Files.isExecutable(Path.of("/usr/bin/chromium")) || !Files.isExecutable(Path.of("/usr/bin/chromedriver"))) {
            io.adagio.support.DebianPackages.install("chromium", "chromium-driver");
        }
        String chromium = find("ADAGIO_CHROMIUM", "/usr/bin/chromium");
        String driver = find("ADAGIO_CHROMEDRIVER", "/usr/bin/chromedriver");
        Path profile;
        try {
            profile = Files.createTempDirectory("adagio-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions().setBinary(chromium).addArguments("--headless", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(driver))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options) {
            @Override
            public void quit() {
                try {
                    super.quit();
                } finally {
                    deleteProfile(profile);
                }
            }
        };
    }

    /** The fresh profile a browser used, gone with it (each test run made one under the temporary directory). */
    private static void deleteProfile(Path profile) {
        try {
            org.springframework.util.FileSystemUtils.deleteRecursively(profile);
        } catch (IOException e) {
            throw new UncheckedIOException("the browser's profile " + profile + " stays", e);
        }
    }

    private static String find(String env, String path) {
        String p = System.getenv().getOrDefault(env, path);
        if (!Files.isExecutable(Path.of(p))) {
            throw new IllegalStateException(p + " is missing: apt-get install -y chromium chromium-driver (as .ci/run does), "
                    + "or point " + env + " at it");
        }
        return p;
    }

    /**
     * The WCAG 2 A and AA violations axe-core (from its WebJar) finds on the page as it is now: contrast, names
     * and labels, keyboard access. Empty when there are none; else one line per rule with where it failed.
     */
    static java.util.List<String> accessibilityViolations(ChromeDriver driver) {
        String axe;
        try (var in = Browser.class.getResourceAsStream("/META-INF/resources/webjars/axe-core/4.6.3/axe.min.js")) {
            if (in == null) {
                throw new IllegalStateException("axe-core's WebJar is not on the test classpath");
            }
            axe = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        driver.manage().timeouts().scriptTimeout(java.time.Duration.ofSeconds(60));
        driver.executeScript(axe);
        Object out = driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
                + ".then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3)"
                + ".map(n => n.target.join(' ')).join(' | '))))"
                + ".catch(e => done(['axe failed: ' + e]));");
        return ((java.util.List<?>) out).stream().map(String::valueOf).toList();
    }

    static void screenshot(ChromeDriver driver, String name) {
        try {
            Files.createDirectories(SHOTS);
            File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
