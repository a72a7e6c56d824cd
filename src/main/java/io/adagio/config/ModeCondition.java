package io.adagio.config;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when {@code adagio.mode} includes a part of the service; see {@link ServesApi} and {@link RunsAgents}. */
abstract class ModeCondition implements Condition {
    static Mode mode(ConditionContext context) {
        return Binder.get(context.getEnvironment()).bind("adagio.mode", Mode.class).orElse(Mode.ALL);
    }

    /** True in modes {@code all} and {@code api}. */
    static final class Api extends ModeCondition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return mode(context).servesApi();
        }
    }

    /** True in modes {@code all} and {@code agent}. */
    static final class Agents extends ModeCondition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return mode(context).runsAgents();
        }
    }
}
