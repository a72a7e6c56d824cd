package io.adagio.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What the tests need from the machine (etcd, Chromium), installed with apt when they run as root on Debian/Ubuntu
 * and it is missing, so {@code ./mvnw -B verify} works on a fresh machine as the README says. Elsewhere nothing is
 * installed and the caller fails with what to install.
 */
public final class DebianPackages {
    private DebianPackages() {
    }

    /**
     * Installs {@code packages} (apt-get install -y), when root on Debian/Ubuntu.
     *
     * @return whether it tried
     */
    public static boolean install(String... packages) {
        if (!"root".equals(System.getProperty("user.name", "").toLowerCase(Locale.ROOT))
                || !Files.exists(Path.of("/etc/debian_version"))) {
            return false;
        }
        List<String> command = new ArrayList<>(List.of("apt-get", "install", "-y"));
        command.addAll(List.of(packages));
        try {
            new ProcessBuilder(command).inheritIO().start().waitFor(600, TimeUnit.SECONDS);
        } catch (IOException e) {
            // not installed: the caller decides
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }
}
