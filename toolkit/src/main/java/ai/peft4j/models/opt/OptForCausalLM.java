package ai.peft4j.models.opt;

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
 * transformers' {@code OPTForCausalLM}: the decoder plus an LM head tied to the token embedding.
 *
 * <pre>{@code
 * try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Path.of("tiny_opt"))) {
 *   CausalLMOutput out = lm.forward(inputIds, attentionMask, labels);   // logits (B, T, V), loss
 * }
 * // Architecture only, seeded random weights (for demos: the outputs mean nothing):
 * OptForCausalLM demo = OptForCausalLM.fromConfig(OptConfig.named("facebook/opt-350m"), 42);
 * }</pre>
 */
public class OptForCausalLM extends PreTrainedCausalLM implements ai.peft4j.models.SupportsPastKeyValues {

  private final OptModel model;

  /** The architecture, with no weights allocated (count it, describe it, or load weights into it). */
  public OptForCausalLM(OptConfig config) {
    super(config);
    model = addModule("model", new OptModel(config));
    Linear head =
        config.tieWordEmbeddings()
            ? new Linear(model.decoder().embedTokens().weight())
            : new Linear(config.wordEmbedProjDim(), config.vocabSize(), false);
    addModule("lm_head", head);
  }

  /** Loads {@code dir} ({@code config.json} + safetensors weights). */
  public static OptForCausalLM fromPretrained(Path dir) {
    OptForCausalLM lm = new OptForCausalLM(OptConfig.fromPretrained(dir));
    lm.loadWeights(dir);
    return lm;
  }

  /** Seeded random weights, initialised as transformers does (for demos and tests). */
  public static OptForCausalLM fromConfig(OptConfig config, long seed) {
    OptForCausalLM lm = new OptForCausalLM(config);
    lm.initWeights(seed);
    return lm;
  }

  /** {@inheritDoc} */
  @Override
  public OptConfig config() {
    return (OptConfig) super.config();
  }

  public OptModel model() {
    return model;
  }

  /** {@inheritDoc} */
  @Override
  public String baseModelPrefix() {
    return "model";
  }

  /** {@inheritDoc} With {@code OPTConfig}'s defaults where config.json is silent: EOS 2, pad 1. */
  @Override
  public GenerationConfig generationConfig() {
    GenerationConfig c = super.generationConfig();
    return c.withEosTokenId(c.eosTokenId() != null || config().toJsonNode().has("eos_token_id") ? c.eosTokenId() : 2)
        .withPadTokenId(config().padTokenId());
  }

  /** {@inheritDoc} */
  @Override
  protected NDArray hiddenStates(ParameterStore ps, LmInputs in, boolean training, List<NDList> presents) {
    return model.forward(ps, in, training, presents);
  }
}
