package io.adagio.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback for fault tests, between clients (agents) and a server: it forwards bytes both ways, and
 * can {@link #silenceOpen silence} the connections open now — they stop forwarding in both directions but stay
 * open, as a connection whose peer vanished without a reset (a half-open connection) — while new connections are
 * forwarded as before — or {@link #cut} the path (every connection closed, new ones refused) until
 * {@link #restore}. It records the first line each new connection sent (an HTTP request line) and when.
 */
public final class TcpProxy implements AutoCloseable {
    /** A connection's first line and when it was accepted ({@link System#nanoTime}). */
    public record Opened(String firstLine, long atNanos) {
    }

    private final ServerSocket server;
    private volatile InetSocketAddress target;
    private final List<Pair> pairs = new CopyOnWriteArrayList<>();
    private final List<Opened> opened = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    /** While cut, every connection is closed and new ones are closed as soon as they are accepted. */
    private volatile boolean cut;

    private final class Pair {
        final Socket client;
        final Socket upstream;
        volatile boolean silenced;

        Pair(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void pump(InputStream in, OutputStream out, boolean recordFirstLine) {
            byte[] buf = new byte[16384];
            StringBuilder first = recordFirstLine ? new StringBuilder() : null;
            try {
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    if (first != null) {
                        String chunk = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                        int eol = chunk.indexOf('\r');
                        first.append(eol >= 0 ? chunk.substring(0, eol) : chunk);
                        if (eol >= 0) {
                            opened.add(new Opened(first.toString(), System.nanoTime()));
                            first = null;
                        }
                    }
                    while (silenced && !closed) {
                        synchronized (this) {
                            wait(100); // the bytes are kept, never delivered: as if the path were cut
                        }
                    }
                    if (closed) {
                        return;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // closed
            } finally {
                if (!silenced) {
                    closeQuietly(client);
                    closeQuietly(upstream);
                }
            }
        }
    }

    public TcpProxy(int targetPort) {
        try {
            this.server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.target = new InetSocketAddress("127.0.0.1", targetPort);
        Thread accept = new Thread(this::accept, "tcp-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (cut) {
                    closeQuietly(client); // refused, as by a peer that is gone
                    continue;
                }
                Socket upstream = new Socket();
                try {
                    upstream.connect(target, 5_000);
                } catch (IOException e) {
                    closeQuietly(client); // the server is not there: refused, as it would be
                    continue;
                }
                Pair p = new Pair(client, upstream);
                pairs.add(p);
                start(() -> p.pump(client.getInputStream(), upstream.getOutputStream(), true));
                start(() -> p.pump(upstream.getInputStream(), client.getOutputStream(), false));
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    private interface Pump {
        void run() throws IOException;
    }

    private static void start(Pump pump) {
        Thread t = new Thread(() -> {
            try {
                pump.run();
            } catch (IOException e) {
                // closed
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** The connections open now stop forwarding, both ways, and stay open; new ones are forwarded. */
    public void silenceOpen() {
        for (Pair p : pairs) {
            p.silenced = true;
        }
    }

    /**
     * The path is cut: the connections open now are closed (both sides) and new ones are closed as soon as they
     * are accepted, until {@link #restore}.
     */
    public void cut() {
        cut = true;
        for (Pair p : pairs) {
            closeQuietly(p.client);
            closeQuietly(p.upstream);
        }
    }

    /**
     * New connections go to {@code port} from now on (as a load balancer moves to the replica left); the open ones
     * are closed, as when the replica they went to died.
     */
    public void retarget(int port) {
        this.target = new InetSocketAddress("127.0.0.1", port);
        for (Pair p : pairs) {
            closeQuietly(p.client);
            closeQuietly(p.upstream);
        }
    }

    /** New connections are forwarded again. */
    public void restore() {
        cut = false;
    }

    /** The connections accepted so far, oldest first, with their first line. */
    public List<Opened> opened() {
        return List.copyOf(opened);
    }

    private static void closeQuietly(java.io.Closeable s) {
        try {
            s.close();
        } catch (IOException e) {
            // already
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        for (Pair p : pairs) {
            closeQuietly(p.client);
            closeQuietly(p.upstream);
        }
    }
}
