package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/** A {@link PreTrainedModel} that predicts the next token ({@code *ForCausalLM}). */
public abstract class PreTrainedCausalLM extends PreTrainedModel {

  protected PreTrainedCausalLM(PretrainedConfig config) {
    super(config);
  }

  /** The full forward pass; {@code ps} supplies parameter values on the inputs' device. */
  public abstract CausalLMOutput forward(ParameterStore ps, LmInputs in, boolean training);

  /**
   * Logits and, when {@code labels} is not null, the shifted cross-entropy loss. Results live on
   * the manager of {@code inputIds}; run each step under its own manager to free them.
   *
   * @param inputIds token ids {@code (B, T)}
   * @param attentionMask 1 for tokens, 0 for padding, {@code (B, T)}; null means all ones
   * @param labels targets {@code (B, T)}, -100 where ignored; may be null
   */
  public CausalLMOutput forward(NDArray inputIds, NDArray attentionMask, NDArray labels) {
    ParameterStore ps = new ParameterStore(inputIds.getManager(), false);
    return forward(ps, LmInputs.of(inputIds, attentionMask, labels), isTraining());
  }
}
