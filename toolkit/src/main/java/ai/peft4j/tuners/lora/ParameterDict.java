package ai.peft4j.tuners.lora;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * PyTorch's {@code nn.ParameterDict}: parameters kept directly under string keys, which is how PEFT
 * holds per-adapter tensors that are not layers (DoRA's {@code lora_magnitude_vector.<adapter>},
 * the embedding factors {@code lora_embedding_A.<adapter>}). No forward of its own.
 */
final class ParameterDict extends AbstractBlock {

  private static final byte VERSION = 1;

  ParameterDict() {
    super(VERSION);
  }

  /** Adds a parameter of {@code shape} under {@code key} and returns it. */
  Parameter put(String key, Shape shape) {
    if (parameters.containsKey(key)) {
      throw new IllegalArgumentException("duplicate parameter name '" + key + "'");
    }
    return addParameter(Parameter.builder().setName(key).setType(Parameter.Type.WEIGHT).optShape(shape).build());
  }

  /** The parameter under {@code key}, or null. */
  Parameter get(String key) {
    return parameters.get(key);
  }

  /** Removes the parameter under {@code key} and returns it (null when absent). */
  Parameter remove(String key) {
    return parameters.remove(key);
  }

  /** {@inheritDoc} */
  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    throw new UnsupportedOperationException("a ParameterDict is read by its owner");
  }

  /** {@inheritDoc} */
  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    throw new UnsupportedOperationException("a ParameterDict is read by its owner");
  }
}
