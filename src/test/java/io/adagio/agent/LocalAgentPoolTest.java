package io.adagio.agent;

import io.adagio.control.LocalControlPlane;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/** The pool with slots in process: the service's own pool and the test's pools call the application layer. */
@TestPropertySource(properties = "adagio.agent.transport=local")
class LocalAgentPoolTest extends AgentPoolContract {
    @Autowired
    LocalControlPlane local;

    @Override
    protected ControlPlane connect() {
        return local;
    }

    @Override
    protected boolean overHttp() {
        return false;
    }
}
