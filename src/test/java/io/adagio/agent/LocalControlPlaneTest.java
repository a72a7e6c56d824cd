package io.adagio.agent;

import io.adagio.control.LocalControlPlane;
import org.springframework.beans.factory.annotation.Autowired;

/** The agent port in process: the application layer called directly. */
class LocalControlPlaneTest extends ControlPlaneContract {
    @Autowired
    LocalControlPlane local;

    @Override
    protected ControlPlane connect() {
        return local;
    }
}
