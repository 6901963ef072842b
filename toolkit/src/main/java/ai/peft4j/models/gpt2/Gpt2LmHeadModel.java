package ai.peft4j.models.gpt2;

import ai.peft4j.models.PreTrainedCausalLM;
import java.nio.file.Path;

/**
 * transformers' {@code GPT2LMHeadModel}: the {@code transformer} plus an {@code lm_head} tied to
 * {@code wte}. LoRA on its {@code Conv1D} layers ({@code c_attn}, the default target) works as in
 * PEFT, with {@code fan_in_fan_out} set.
 *
 * <pre>{@code
 * Gpt2LmHeadModel gpt2 = Gpt2LmHeadModel.fromPretrained(Path.of("gpt2"));
 * PeftModel peft = Peft.lora().r(8).task(TaskType.CAUSAL_LM).apply(gpt2);   // targets c_attn
 * }</pre>
 */
public class Gpt2LmHeadModel extends PreTrainedCausalLM {

    /** The architecture, with no weights allocated. */
    public Gpt2LmHeadModel(Gpt2Config config) {
        super(config);
        addDecoder("transformer", new Gpt2Model(config));
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights). */
    public static Gpt2LmHeadModel fromPretrained(Path dir) {
        return withWeightsFrom(new Gpt2LmHeadModel(Gpt2Config.fromPretrained(dir)), dir);
    }

    /** Seeded random weights, initialised as transformers does (for demos and tests). */
    public static Gpt2LmHeadModel fromConfig(Gpt2Config config, long seed) {
        return withSeededWeights(new Gpt2LmHeadModel(config), seed);
    }

    /** {@inheritDoc} */
    @Override
    public Gpt2Config config() {
        return (Gpt2Config) super.config();
    }

    public Gpt2Model transformer() {
        return (Gpt2Model) baseModel();
    }
}
