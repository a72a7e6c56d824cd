package io.adagio.api;

import org.springframework.boot.test.context.SpringBootTest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A service (mode {@code api}) with the tokens of {@link SecurityMatrixTest}: reader, operator, an agent token for
 * {@code good-*} and {@code exact-one}, and admin. One context for every test that uses it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "adagio.mode=api",
        "adagio.security.tokens.reader.sha256=" + SecurityMatrixTest.READER_HASH, "adagio.security.tokens.reader.roles=reader",
        "adagio.security.tokens.operator.sha256=" + SecurityMatrixTest.OPERATOR_HASH, "adagio.security.tokens.operator.roles=operator",
        "adagio.security.tokens.agents.sha256=" + SecurityMatrixTest.AGENT_HASH, "adagio.security.tokens.agents.roles=agent",
        "adagio.security.tokens.agents.agents=good-*,exact-one",
        "adagio.security.tokens.root.sha256=" + SecurityMatrixTest.ADMIN_HASH, "adagio.security.tokens.root.roles=admin"})
@interface WithTokens {
}
