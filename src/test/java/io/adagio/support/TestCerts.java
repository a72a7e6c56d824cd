package io.adagio.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made for one test with {@code openssl} (installed by {@code .ci/run}): a CA, a server certificate for
 * 127.0.0.1 and localhost signed by it, a client certificate signed by it, and a second, untrusted CA with a client
 * certificate of its own. Keys are PKCS#8 PEM, as Netty reads them.
 */
public record TestCerts(Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey,
                        Path rogueCa, Path rogueClientCert, Path rogueClientKey) {

    /** Makes every file under {@code dir}. */
    public static TestCerts in(Path dir) {
        try {
            Files.createDirectories(dir);
            TestCerts c = new TestCerts(dir.resolve("ca.crt"), dir.resolve("server.crt"), dir.resolve("server.key"),
                    dir.resolve("client.crt"), dir.resolve("client.key"), dir.resolve("rogue-ca.crt"),
                    dir.resolve("rogue-client.crt"), dir.resolve("rogue-client.key"));
            ca(dir, "ca", "adagio test CA");
            ca(dir, "rogue-ca", "someone else's CA");
            signed(dir, "server", "ca", "127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
            signed(dir, "client", "ca", "adagio", "extendedKeyUsage=clientAuth");
            signed(dir, "rogue-client", "rogue-ca", "adagio", "extendedKeyUsage=clientAuth");
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void ca(Path dir, String name, String cn) throws IOException {
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".crt",
                "-days", "2", "-subj", "/CN=" + cn);
    }

    private static void signed(Path dir, String name, String ca, String cn, String extensions) throws IOException {
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + cn);
        Files.writeString(dir.resolve(name + ".ext"), extensions + "\n", StandardCharsets.UTF_8);
        openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext");
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n" + out
                        + "\n(openssl is needed for the TLS tests; .ci/run installs it)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
