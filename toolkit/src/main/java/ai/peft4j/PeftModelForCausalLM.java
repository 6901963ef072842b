package ai.peft4j;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.CausalLMOutput;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;

/** A {@link PeftModel} around a causal language model, with its typed forward. */
public class PeftModelForCausalLM extends PeftModel {

  private final PreTrainedCausalLM lm;

  PeftModelForCausalLM(PreTrainedCausalLM model, PeftConfig config, String adapterName) {
    super(model, config, adapterName);
    this.lm = model;
  }

  /** The wrapped language model, with adapter layers in place. */
  @Override
  public PreTrainedCausalLM getBaseModel() {
    return lm;
  }

  /** Logits and, with labels, the loss; see {@link PreTrainedCausalLM#forward}. */
  public CausalLMOutput forward(NDArray inputIds, NDArray attentionMask, NDArray labels) {
    return lm.forward(inputIds, attentionMask, labels);
  }

  /** The full forward pass with an explicit parameter store and mode. */
  public CausalLMOutput forward(ParameterStore ps, LmInputs in, boolean training) {
    return lm.forward(ps, in, training);
  }
}
