package io.adagio.api;

import io.adagio.config.ServesApi;
import io.adagio.config.SseProperties;
import io.adagio.control.AgentStreams;
import io.adagio.control.Observers;
import io.adagio.repository.Cursor;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.util.Map;

/**
 * Observer streams ({@link Observers}): {@code GET /v0/runs/{id}/events} follows one run until it completes;
 * {@code GET /v0/events} follows every run, {@code Last-Event-ID} resuming after the last node change seen.
 */
@RestController
@ServesApi
class ObserversController {
    private final Observers observers;
    private final AgentStreams streams;
    private final SseProperties sse;

    ObserversController(Observers observers, AgentStreams streams, SseProperties sse) {
        this.observers = observers;
        this.streams = streams;
        this.sse = sse;
    }

    /**
     * One run: a RUN_STATUS and a NODE_STATUS per node (its state now), then each change, ending after the
     * RUN_STATUS that says it completed (at once for a run that has). A reconnect gets the run's state again,
     * then its changes: a {@code Last-Event-ID} is checked but not needed — except that a reconnect (one with a
     * {@code Last-Event-ID}) to a run that has completed is answered 204, which stops an EventSource.
     */
    @GetMapping(path = "/v0/runs/{runId}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    org.springframework.http.ResponseEntity<SseEmitter> run(@PathVariable String runId,
                   @RequestParam(name = "last_event_id", required = false) String lastEventIdParam,
                   @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
                   HttpServletResponse response) {
        acceptingOrRefuse();
        if (Cursors.parse(lastEventId, lastEventIdParam) != null && observers.completed(runId)) {
            // an EventSource reconnecting after the stream ended with its run: 204 tells it to stop
            return org.springframework.http.ResponseEntity.noContent().build();
        }
        ObserverStream stream = open(response, "following run " + runId);
        try {
            stream.attach(observers.followRun(runId, stream));
        } catch (RuntimeException e) {
            stream.close(); // no such run: answered as a problem instead
            throw e;
        }
        return org.springframework.http.ResponseEntity.ok(stream.emitter);
    }

    /** Every run's changes from now, or after {@code Last-Event-ID}. */
    @GetMapping(path = "/v0/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter all(@RequestParam(name = "last_event_id", required = false) String lastEventIdParam,
                   @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
                   HttpServletResponse response) {
        acceptingOrRefuse();
        Cursor after = Cursors.parse(lastEventId, lastEventIdParam);
        ObserverStream stream = open(response, "following every run");
        stream.attach(observers.followAll(after, stream));
        return stream.emitter;
    }

    private void acceptingOrRefuse() {
        refuseUnlessAccepting(streams);
    }

    /** A stream asked of a replica that is shutting down: 503, connect again (to another replica). */
    static void refuseUnlessAccepting(AgentStreams streams) {
        if (!streams.accepting()) {
            throw new ApiException(ProblemType.SHUTTING_DOWN, "This replica is shutting down; connect again (to another replica).",
                    Map.of("retryable", true));
        }
    }

    private ObserverStream open(HttpServletResponse response, String who) {
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        response.setHeader(EventsController.KEEP_ALIVE_HEADER, Long.toString(streams.keepAlive().toMillis()));
        ObserverStream stream = new ObserverStream(who, WebSecurity.currentOwner(), new SseEmitter(0L), sse.retry(),
                streams::remove);
        streams.observe(stream);
        return stream;
    }
}
