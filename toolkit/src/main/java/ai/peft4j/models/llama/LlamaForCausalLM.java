package ai.peft4j.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.nn.Linear;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' {@code LlamaForCausalLM}: the {@code model} plus an {@code lm_head}, tied to the
 * token embedding only when {@code tie_word_embeddings} is true (Llama 2 does not tie).
 *
 * <pre>{@code
 * LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(Path.of("my-llama"));
 * // Architecture only (counts, LoRA reports), or seeded random weights for demos:
 * LlamaForCausalLM shape = new LlamaForCausalLM(LlamaConfig.named("meta-llama/Llama-2-7b-hf"));
 * }</pre>
 */
public class LlamaForCausalLM extends PreTrainedCausalLM {

  private final LlamaModel model;

  /** The architecture, with no weights allocated. */
  public LlamaForCausalLM(LlamaConfig config) {
    super(config);
    model = addModule("model", new LlamaModel(config));
    Linear head = config.tieWordEmbeddings()
        ? new Linear(model.embedTokens().weight())
        : new Linear(config.hiddenSize(), config.vocabSize(), false);
    addModule("lm_head", head);
  }

  /** Loads {@code dir} ({@code config.json} + safetensors weights). */
  public static LlamaForCausalLM fromPretrained(Path dir) {
    LlamaForCausalLM lm = new LlamaForCausalLM(LlamaConfig.fromPretrained(dir));
    lm.loadWeights(dir);
    return lm;
  }

  /** Seeded random weights, initialised as transformers does (for demos and tests). */
  public static LlamaForCausalLM fromConfig(LlamaConfig config, long seed) {
    LlamaForCausalLM lm = new LlamaForCausalLM(config);
    lm.initWeights(seed);
    return lm;
  }

  /** {@inheritDoc} */
  @Override
  public LlamaConfig config() {
    return (LlamaConfig) super.config();
  }

  public LlamaModel model() {
    return model;
  }

  /** {@inheritDoc} */
  @Override
  public String baseModelPrefix() {
    return "model";
  }

  /** {@inheritDoc} */
  @Override
  protected double initializerRange() {
    return config().initializerRange();
  }

  /** {@inheritDoc} With {@code LlamaConfig}'s defaults where config.json is silent: EOS 2, no pad. */
  @Override
  public GenerationConfig generationConfig() {
    GenerationConfig c = super.generationConfig();
    return config().toJsonNode().has("eos_token_id") ? c : c.withEosTokenId(2);
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
