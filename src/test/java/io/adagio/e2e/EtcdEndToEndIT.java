package io.adagio.e2e;

import io.adagio.support.EtcdProcess;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The end-to-end scenarios on the etcd backend, against a real local etcd (its own list), with pool agents of
 * 3 slots each (the memory suite runs the default, 1).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "adagio.mode=all", "adagio.backend=etcd", "adagio.leases.ttl=2s", "adagio.agent.exec.enabled=true",
        "adagio.agent.exec.allowed-commands=ls,sleep", "adagio.agent.exec.working-directory=.", "adagio.agent.slots=3",
        "adagio.limits.max-run-size=2MB"})
class EtcdEndToEndIT extends EndToEndContract {
    @DynamicPropertySource
    static void etcd(DynamicPropertyRegistry registry) {
        registry.add("adagio.etcd.endpoints", () -> EtcdProcess.shared().endpoint());
        registry.add("adagio.etcd.list", () -> "e2e-" + System.nanoTime());
    }
}
