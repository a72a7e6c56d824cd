package io.adagio.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports for processes a test starts itself (etcd members, service processes), which bind them a moment after they
 * are chosen. A port asked of the kernel ({@code new ServerSocket(0)}) comes from the ephemeral range, the same
 * range every outgoing connection takes its local port from: between the choice and the bind, a jetcd, HTTP or
 * etcd peer connection of the same machine may take it, and the process exits with "address already in use" (seen
 * in CI: a 3-member cluster whose member exited at start). These come from below the ephemeral range
 * ({@value #LOW}–{@value #HIGH}; Linux's default range starts at 32768), each handed out once per JVM, and are
 * checked free before they are given.
 */
public final class FreePorts {
    static final int LOW = 20_000;
    static final int HIGH = 32_000;
    /** Where this JVM starts: apart from another test JVM on the same machine started at the same time. */
    private static final AtomicInteger NEXT = new AtomicInteger(
            LOW + (int) ((ProcessHandle.current().pid() * 997 + ThreadLocalRandom.current().nextInt(1_000)) % (HIGH - LOW)));

    private FreePorts() {
    }

    /** A port no socket of this machine holds now, not given out before by this JVM. */
    public static int next() throws IOException {
        for (int tries = 0; tries < HIGH - LOW; tries++) {
            int port = LOW + Math.floorMod(NEXT.getAndIncrement() - LOW, HIGH - LOW);
            if (free(port)) {
                return port;
            }
        }
        throw new IOException("no free port in " + LOW + "–" + HIGH);
    }

    /** Free on the wildcard address (which no bind to one address of the port leaves free either). */
    private static boolean free(int port) {
        try (ServerSocket any = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
