package io.adagio.api;

import io.adagio.model.Claim;
import io.adagio.model.MetadataValues;
import org.springframework.boot.jackson.JacksonComponent;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a claim reads over the API: never its token (the {@code id} a finish must present, answered only to the
 * claimer, in {@link Issued}), but the request id its claimer named it with, as {@code id}, and the metadata the
 * claimer gave it, without the engine's own keys ({@code adagio.request_id}, {@code adagio.dispatched_by}); the
 * agent it was made for as {@code agent_id}.
 * Run and node reads, lists and the nodes inside claim and finish answers all read claims this way.
 */
@JacksonComponent
final class ClaimView extends ValueSerializer<Claim> {
    /** The metadata keys the engine writes for itself, which readers do not see. */
    private static final String ENGINE_KEYS = "adagio.";

    @Override
    public void serialize(Claim claim, JsonGenerator gen, SerializationContext context) {
        gen.writeStartObject();
        String requestId = claim.requestId();
        if (requestId != null) {
            gen.writeStringProperty("id", requestId);
        }
        if (claim.agentId() != null) {
            gen.writeStringProperty("agent_id", claim.agentId());
        }
        gen.writeName("metadata");
        gen.writeStartObject();
        for (Map.Entry<String, MetadataValues> e : claim.metadata().entrySet()) {
            if (!e.getKey().startsWith(ENGINE_KEYS)) {
                gen.writeName(e.getKey());
                context.writeValue(gen, e.getValue());
            }
        }
        gen.writeEndObject();
        gen.writeEndObject();
    }

    /** The claimer's own metadata: everything but the engine's keys. */
    static Map<String, MetadataValues> visible(Map<String, MetadataValues> metadata) {
        if (metadata.keySet().stream().noneMatch(k -> k.startsWith(ENGINE_KEYS))) {
            return metadata;
        }
        Map<String, MetadataValues> out = new LinkedHashMap<>();
        metadata.forEach((k, v) -> {
            if (!k.startsWith(ENGINE_KEYS)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * A claim as its claimer is answered: {@code id} is the token its finish must present.
     *
     * @param id       the token
     * @param metadata the claimer's metadata
     */
    record Issued(String id, Map<String, MetadataValues> metadata) {
        static Issued of(Claim claim) {
            return claim == null ? null : new Issued(claim.id(), visible(claim.metadata()));
        }
    }
}
