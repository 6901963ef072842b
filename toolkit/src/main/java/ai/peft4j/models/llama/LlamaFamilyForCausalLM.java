package ai.peft4j.models.llama;

import ai.peft4j.models.PreTrainedCausalLM;

/**
 * The causal LM of every Llama-family architecture ({@link LlamaForCausalLM}, {@code Qwen2ForCausalLM}, {@code
 * MistralForCausalLM}, {@code GemmaForCausalLM}): a {@link LlamaModel} under {@code model} and an {@code lm_head},
 * tied to the token embedding when {@code tie_word_embeddings} (or the family's default) says so.
 *
 * <pre>{@code
 * LlamaFamilyForCausalLM<?> lm = (LlamaFamilyForCausalLM<?>) AutoModelForCausalLM.fromPretrained(Path.of("my-model"));
 * LlamaModel body = lm.model();
 * }</pre>
 *
 * @param <C> the family member's config class, which {@link #config()} returns
 */
public abstract class LlamaFamilyForCausalLM<C extends LlamaFamilyConfig> extends PreTrainedCausalLM {

    /** The architecture, with no weights allocated. */
    protected LlamaFamilyForCausalLM(C config) {
        super(config);
        addDecoder("model", new LlamaModel(config));
    }

    /** {@inheritDoc} */
    @Override
    @SuppressWarnings("unchecked") // the constructor took a C
    public C config() {
        return (C) super.config();
    }

    public LlamaModel model() {
        return (LlamaModel) baseModel();
    }
}
