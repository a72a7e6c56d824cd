package io.adagio.e2e;

import org.springframework.boot.test.context.SpringBootTest;

/** The end-to-end scenarios on the in-memory backend (the embedded default). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "adagio.mode=all", "adagio.leases.ttl=2s", "adagio.agent.exec.enabled=true",
        "adagio.agent.exec.allowed-commands=ls,sleep", "adagio.agent.exec.working-directory=.", "adagio.memory.lease-check-interval=50ms",
        "adagio.limits.max-run-size=2MB"})
class MemoryEndToEndTest extends EndToEndContract {
}
