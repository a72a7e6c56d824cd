package io.adagio.repository.etcd;

import io.adagio.repository.BackendRefusedException;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * The one place that classifies what etcd (or the way to it) answered when a call failed. Everything else
 * asks here instead of looking at messages itself.
 */
final class EtcdFailures {
    private EtcdFailures() {
    }

    /** What a failed call means for repeating it. */
    enum Kind {
        /** Nothing was applied (the request was refused before etcd acted on it): repeating is safe. */
        SAFE_TO_REDO,
        /** A write may or may not have been applied (a deadline passed, the connection broke): read back. */
        AMBIGUOUS,
        /** Repeating the same request fails the same way (too large, no space, invalid). */
        PERMANENT
    }

    /**
     * Classifies a failure of a call. Reads are always safe to redo whatever this says; for writes,
     * {@link Kind#AMBIGUOUS} means the effect must be read back before answering.
     */
    static Kind classify(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            String msg = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
            if (msg.contains("too large") || msg.contains("larger than max") || msg.contains("space exceeded")
                    || msg.contains("too many operations")) {
                return Kind.PERMANENT;
            }
            if (c instanceof StatusRuntimeException se) {
                return switch (se.getStatus().getCode()) {
                    case INVALID_ARGUMENT, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, OUT_OF_RANGE, PERMISSION_DENIED,
                         UNAUTHENTICATED, UNIMPLEMENTED -> Kind.PERMANENT;
                    case UNAVAILABLE -> neverConnected(se) ? Kind.SAFE_TO_REDO : Kind.AMBIGUOUS;
                    default -> Kind.AMBIGUOUS;
                };
            }
            if (c instanceof EtcdException ee) {
                return switch (ee.getErrorCode()) {
                    case INVALID_ARGUMENT, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, OUT_OF_RANGE, PERMISSION_DENIED,
                         UNAUTHENTICATED, UNIMPLEMENTED -> Kind.PERMANENT;
                    case NOT_FOUND, ALREADY_EXISTS -> Kind.SAFE_TO_REDO;
                    default -> Kind.AMBIGUOUS;
                };
            }
            if (c instanceof TimeoutException) {
                return Kind.AMBIGUOUS;
            }
        }
        return Kind.AMBIGUOUS;
    }

    /**
     * Whether an UNAVAILABLE failure came from a connection that was never made (refused, or no route): then the
     * request was never sent. Any other I/O failure may have come after the request reached etcd.
     */
    private static boolean neverConnected(Throwable unavailable) {
        for (Throwable c = unavailable; c != null; c = c.getCause()) {
            if (c instanceof java.net.ConnectException || c instanceof java.net.NoRouteToHostException
                    || String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT).contains("connection refused")) {
                return true;
            }
        }
        return false;
    }

    /** Why a {@link Kind#PERMANENT} failure was refused. */
    static BackendRefusedException.Reason refusal(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            String msg = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
            if (msg.contains("space exceeded") || msg.contains("nospace")) {
                return BackendRefusedException.Reason.NO_SPACE;
            }
            if (msg.contains("too large") || msg.contains("larger than max")) {
                return BackendRefusedException.Reason.TOO_LARGE;
            }
        }
        return BackendRefusedException.Reason.OTHER;
    }

    /** Whether etcd refused a request because the lease it named does not exist (expired or revoked). */
    static boolean isLeaseNotFound(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String msg = String.valueOf(c.getMessage());
            if (c instanceof EtcdException ee && ee.getErrorCode() == ErrorCode.NOT_FOUND && msg.contains("lease")) {
                return true;
            }
            if (c instanceof StatusRuntimeException se && se.getStatus().getCode() == Status.Code.NOT_FOUND
                    && msg.contains("lease")) {
                return true;
            }
            if (msg.contains("requested lease not found")) {
                return true;
            }
        }
        return false;
    }

    /** Whether the revision asked for was compacted away. */
    static boolean isCompacted(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CompactedException || String.valueOf(c.getMessage()).contains("compacted")) {
                return true;
            }
        }
        return false;
    }
}
