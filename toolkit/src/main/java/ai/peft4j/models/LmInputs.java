package ai.peft4j.models;

import ai.djl.ndarray.NDArray;

/**
 * The inputs of a language-model forward pass, named as in transformers. Exactly one of {@code
 * inputIds (B, T)} and {@code inputsEmbeds (B, T, D)} is set; {@code attentionMask (B, T)} (1 =
 * attend) and {@code labels (B, T)} (-100 = ignore) may be null.
 */
public record LmInputs(NDArray inputIds, NDArray inputsEmbeds, NDArray attentionMask, NDArray labels) {

  public LmInputs {
    if ((inputIds == null) == (inputsEmbeds == null)) {
      throw new IllegalArgumentException("give exactly one of input_ids and inputs_embeds");
    }
  }

  /** Token ids with an optional mask and labels. */
  public static LmInputs of(NDArray inputIds, NDArray attentionMask, NDArray labels) {
    return new LmInputs(inputIds, null, attentionMask, labels);
  }

  /** Any input array, for its manager and device. */
  public NDArray any() {
    return inputIds != null ? inputIds : inputsEmbeds;
  }
}
