/**
 * The web edge: REST controllers for runs, nodes, agents and stats, the agents' and observers' SSE streams, browser
 * sessions, the UI's pages (the page itself is static, under {@code static/}), who may call what
 * ({@code WebSecurity}: tokens, sessions, CSRF, start rates), and the one exception handler — with the web
 * server's own refusals ({@code ContainerProblems}) — that turns every failure into an RFC 9457 problem with a
 * stable type.
 */
package io.adagio.api;
