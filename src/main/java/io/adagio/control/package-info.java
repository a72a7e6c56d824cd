/**
 * The application layer: what a call means beyond storage (claim tokens, metrics, run completion, stream
 * keep-alives, warnings), used alike by the REST controllers and by an in-process agent transport.
 */
package io.adagio.control;
