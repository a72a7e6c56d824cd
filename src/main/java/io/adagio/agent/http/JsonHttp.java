package io.adagio.agent.http;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.routing.RoutingSupport;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An agent's HTTP connection to a control plane: JSON requests answered as a status and a body, and line
 * streams (the SSE events), over Apache HttpClient's classic (blocking) client with a pool of kept-alive
 * connections. A call runs on the calling thread: no selector or executor thread hands its answer over, which on
 * this 2-core machine made a round trip with java.net.http cost the agent ~4× the CPU (200 against 50 µs per
 * heartbeat) and took twice as long (docs/benchmarks.md, session 12). Nothing is retried or redirected here (the
 * callers decide what a failure means), no cookies, no compression.
 *
 * <p>A blocked read does not end on an interrupt; {@link #close} aborts every call and stream in flight, and a
 * stream can be aborted alone ({@link Lines#abort}).
 */
public final class JsonHttp implements AutoCloseable {
    private final String base;
    private final String authorization;
    private final CloseableHttpClient client;
    private final Set<HttpUriRequestBase> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** An answer: its status and its body ({@code ""} when it had none). */
    public record Answer(int status, String body) {
    }

    /** No connection was made: nothing was sent. */
    public static final class NotSent extends IOException {
        NotSent(IOException cause) {
            super(cause.toString(), cause);
        }
    }

    /** The call was aborted by {@link #close} (or its stream's {@link Lines#abort}). */
    public static final class Aborted extends IOException {
        Aborted(IOException cause) {
            super("aborted: " + cause, cause);
        }
    }

    /**
     * @param base          the control plane's URL; paths are appended to it
     * @param connectTimeout how long a connection may take to open
     * @param authorization the {@code Authorization} header of every call, or null
     */
    public JsonHttp(URI base, Duration connectTimeout, String authorization) {
        String b = base.toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.authorization = authorization;
        this.client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(connectTimeout)).build())
                        .setDefaultSocketConfig(SocketConfig.custom().setTcpNoDelay(true).build())
                        // an agent's control thread, its slots' finishes and its stream at once
                        .setMaxConnPerRoute(64).setMaxConnTotal(64)
                        .build())
                .disableAutomaticRetries().disableRedirectHandling().disableCookieManagement()
                .disableContentCompression().disableAuthCaching().disableConnectionState()
                .build();
    }

    /**
     * Sends {@code method path} with {@code body} (JSON bytes, or null for none) and reads the whole answer, or
     * throws: {@link NotSent} when no connection was made, {@link Aborted} when {@link #close} ended it, another
     * {@link IOException} when the answer did not come within {@code within} (between two reads) or the
     * connection failed.
     */
    public Answer send(String method, String path, byte[] body, Duration within) throws IOException {
        return send(method, path, body, within, Map.of());
    }

    /** As {@link #send(String, String, byte[], Duration)}, with these headers too. */
    public Answer send(String method, String path, byte[] body, Duration within, Map<String, String> headers)
            throws IOException {
        HttpUriRequestBase request = request(method, path, within, "application/json", headers);
        if (body != null) {
            request.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
        }
        inFlight.add(request);
        try {
            if (closed) {
                throw new Aborted(new IOException("closed"));
            }
            return client.execute(request, r -> new Answer(r.getCode(), text(r.getEntity())));
        } catch (HttpHostConnectException | ConnectTimeoutException e) {
            throw new NotSent(e);
        } catch (IOException e) {
            throw closed || request.isCancelled() ? new Aborted(e) : e;
        } finally {
            inFlight.remove(request);
        }
    }

    /** A line stream being read: its status, headers and lines, until it ends or is aborted. */
    public final class Lines implements AutoCloseable {
        private final HttpUriRequestBase request;
        private final ClassicHttpResponse response;
        private final BufferedReader reader;

        private Lines(HttpUriRequestBase request, ClassicHttpResponse response) throws IOException {
            this.request = request;
            this.response = response;
            HttpEntity entity = response.getEntity();
            this.reader = entity == null ? null
                    : new BufferedReader(new InputStreamReader(entity.getContent(), StandardCharsets.UTF_8));
        }

        public int status() {
            return response.getCode();
        }

        /** The first value of the header, or null. */
        public String header(String name) {
            var h = response.getFirstHeader(name);
            return h == null ? null : h.getValue();
        }

        /** The next line ({@code \n}, {@code \r} or {@code \r\n} ends one), or null at the stream's end. */
        public String next() throws IOException {
            try {
                return reader == null ? null : reader.readLine();
            } catch (IOException e) {
                throw closed || request.isCancelled() ? new Aborted(e) : e;
            }
        }

        /** Ends the stream from any thread: a read in progress fails with {@link Aborted}. */
        public void abort() {
            request.cancel();
        }

        @Override
        public void close() {
            inFlight.remove(request);
            request.cancel();
            try {
                response.close();
            } catch (IOException e) {
                // the connection is discarded either way
            }
        }
    }

    /**
     * Opens {@code GET path} as a line stream with the headers given; the answer's body is read as it comes
     * ({@link Lines#next}), with no read timeout (the caller watches the stream's silence).
     */
    public Lines open(String path, String accept, Map<String, String> headers) throws IOException {
        HttpUriRequestBase request = request("GET", path, Duration.ZERO, accept, headers);
        inFlight.add(request);
        try {
            if (closed) {
                throw new Aborted(new IOException("closed"));
            }
            return new Lines(request, client.executeOpen(RoutingSupport.determineHost(request), request, null));
        } catch (HttpHostConnectException | ConnectTimeoutException e) {
            inFlight.remove(request);
            throw new NotSent(e);
        } catch (IOException e) {
            inFlight.remove(request);
            throw closed || request.isCancelled() ? new Aborted(e) : e;
        } catch (HttpException e) {
            inFlight.remove(request);
            throw new IOException(e);
        }
    }

    /** Aborts every call and stream in flight; later calls fail with {@link Aborted}. */
    @Override
    public void close() {
        closed = true;
        for (HttpUriRequestBase r : List.copyOf(inFlight)) {
            r.cancel();
        }
        client.close(CloseMode.IMMEDIATE);
    }

    private HttpUriRequestBase request(String method, String path, Duration within, String accept,
                                       Map<String, String> headers) {
        HttpUriRequestBase r = new HttpUriRequestBase(method, URI.create(base + path));
        // the longest wait for the answer (and, for a stream, between its lines: none)
        r.setConfig(RequestConfig.custom().setResponseTimeout(within.isZero() ? Timeout.DISABLED : Timeout.of(within))
                .build());
        r.setHeader("Accept", accept);
        if (authorization != null) {
            r.setHeader("Authorization", authorization);
        }
        headers.forEach(r::setHeader);
        return r;
    }

    private static String text(HttpEntity entity) throws IOException {
        try {
            return entity == null ? "" : EntityUtils.toString(entity, StandardCharsets.UTF_8);
        } catch (org.apache.hc.core5.http.ParseException e) {
            throw new IOException(e);
        }
    }
}
