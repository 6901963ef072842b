package ai.peft4j.models.t5;

import java.nio.file.Path;

/**
 * transformers' {@code MT5ForConditionalGeneration}: the same code as {@link T5ForConditionalGeneration}, with an
 * mT5 config (model_type {@code mt5}: gated-gelu, untied head, 250112 tokens), e.g. {@code bigscience/mt0-large}.
 *
 * <pre>{@code
 * MT5ForConditionalGeneration mt0 = new MT5ForConditionalGeneration(T5Config.named("bigscience/mt0-large"));
 * }</pre>
 */
public class MT5ForConditionalGeneration extends T5ForConditionalGeneration {

    public MT5ForConditionalGeneration(T5Config config) {
        super(config);
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights). */
    public static MT5ForConditionalGeneration fromPretrained(Path dir) {
        return withWeightsFrom(new MT5ForConditionalGeneration(T5Config.fromPretrained(dir)), dir);
    }
}
