package ai.peft4j.tuners.prefixtuning;

import ai.djl.nn.Block;
import ai.peft4j.models.SupportsPastKeyValues;
import ai.peft4j.tuners.prompt.PromptLearningConfig;
import ai.peft4j.tuners.prompt.PromptLearningMethod;
import java.util.Random;

/**
 * Prefix tuning's entry in the {@link ai.peft4j.tuners.TunerRegistry}: a {@link PrefixEncoder}
 * per adapter, whose output becomes every attention layer's past keys and values.
 */
public final class PrefixTuningMethod extends PromptLearningMethod {

    public PrefixTuningMethod() {
        super(PrefixTuningConfig.SCHEMA, (config, wordEmbeddings, m, rnd) -> encoder(config, m, rnd));
    }

    private static PrefixEncoder encoder(PromptLearningConfig config, Block model, Random rnd) {
        if (config.tokenDim() % config.numAttentionHeads() != 0) {
            throw new IllegalArgumentException("prefix tuning splits token_dim=" + config.tokenDim() + " over "
                    + "num_attention_heads=" + config.numAttentionHeads() + ", which must divide it");
        }
        if (!(model instanceof SupportsPastKeyValues)) {
            throw new IllegalArgumentException("Model does not support past key values which are required for "
                    + "prefix tuning (" + model.getClass().getSimpleName() + ")");
        }
        return new PrefixEncoder((PrefixTuningConfig) config, rnd);
    }
}
