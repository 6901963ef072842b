package ai.peft4j.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;
import java.util.List;

/**
 * The causal LM of every Llama-family architecture ({@link LlamaForCausalLM}, {@code Qwen2ForCausalLM}, {@code
 * MistralForCausalLM}, {@code GemmaForCausalLM}): a {@link LlamaModel} under {@code model} and an {@code lm_head},
 * tied to the token embedding when {@code tie_word_embeddings} (or the family's default) says so.
 *
 * <pre>{@code
 * LlamaFamilyForCausalLM lm = (LlamaFamilyForCausalLM) AutoModelForCausalLM.fromPretrained(Path.of("my-model"));
 * LlamaModel body = lm.model();
 * }</pre>
 */
public abstract class LlamaFamilyForCausalLM extends PreTrainedCausalLM {

    private final LlamaModel model;

    /** The architecture, with no weights allocated. */
    protected LlamaFamilyForCausalLM(LlamaFamilyConfig config) {
        super(config);
        model = addModule("model", new LlamaModel(config));
        addLmHead(model.embedTokens().weight(), config.hiddenSize(), config.vocabSize());
    }

    /** {@inheritDoc} */
    @Override
    public LlamaFamilyConfig config() {
        return (LlamaFamilyConfig) super.config();
    }

    public LlamaModel model() {
        return model;
    }

    /** {@inheritDoc} */
    @Override
    public String baseModelPrefix() {
        return "model";
    }

    /** {@inheritDoc} True: {@code position_ids}, by default {@code 0..T-1} after the past. */
    @Override
    public boolean takesPositionIds() {
        return true;
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray hiddenStates(ParameterStore ps, LmInputs in, boolean training, List<NDList> presents) {
        return model.forward(ps, in, training, presents);
    }
}
