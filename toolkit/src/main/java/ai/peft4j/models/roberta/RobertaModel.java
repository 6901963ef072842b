package ai.peft4j.models.roberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.ModuleBlock;

/**
 * transformers' {@code RobertaModel}: {@code embeddings}, {@code encoder} and, unless built with
 * {@code addPoolingLayer = false} (as the task heads do), a {@code pooler}.
 */
public class RobertaModel extends ModuleBlock {

  private final boolean hasPooler;

  /** The bare model as {@code RobertaModel(config, add_pooling_layer)} builds it. */
  public RobertaModel(RobertaConfig c, boolean addPoolingLayer) {
    hasPooler = addPoolingLayer;
    addModule("embeddings", new RobertaEmbeddings(c));
    addModule("encoder", new RobertaEncoder(c));
    if (addPoolingLayer) {
      addModule("pooler", new RobertaPooler(c));
    }
  }

  public RobertaEmbeddings embeddings() {
    return (RobertaEmbeddings) module("embeddings");
  }

  public RobertaEncoder encoder() {
    return (RobertaEncoder) module("encoder");
  }

  /** Whether the model has a {@code pooler}. */
  public boolean hasPooler() {
    return hasPooler;
  }

  /**
   * The last hidden states {@code (B, T, D)}; the labels of {@code in} are ignored. With past keys and values of
   * length {@code P} (prefix tuning) the attention mask, when given, covers {@code P + T} positions, positions from
   * token ids are counted from {@code P} (from {@code inputs_embeds} they are not, as in transformers), and every layer
   * attends to its past keys too.
   */
  public NDArray forward(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
    try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
      return scope.keep(lastHiddenState(ps, in, training));
    }
  }

  private NDArray lastHiddenState(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
    long past = in.pastLength();
    NDArray h = embeddings().forward(ps, in.inputIds(), in.tokenTypeIds(), in.inputsEmbeds(), past, training);
    NDArray attention = in.attentionMask();
    if (attention == null && in.pastKeyValues() != null) {
      // transformers: ones over past + current positions.
      attention = h.getManager().ones(new ai.djl.ndarray.types.Shape(h.getShape().get(0),
          past + h.getShape().get(1)), ai.djl.ndarray.types.DataType.INT64, h.getDevice());
    }
    if (attention != null && attention.getShape().get(1) != past + h.getShape().get(1)) {
      throw new IllegalArgumentException("the attention mask has length " + attention.getShape().get(1)
          + ", expected " + (past + h.getShape().get(1)) + " (past " + past + " + current "
          + h.getShape().get(1) + ")");
    }
    NDArray mask = attention == null ? null : extendedAttentionMask(attention, h.getDataType());
    return encoder().forward(ps, h, mask, in.pastKeyValues(), training);
  }

  /** The pooled output {@code (B, D)} of last hidden states {@code (B, T, D)}. */
  public NDArray pool(ParameterStore ps, NDArray lastHiddenState, boolean training) {
    if (!hasPooler) {
      throw new IllegalStateException("this RobertaModel was built without a pooler");
    }
    return ((RobertaPooler) module("pooler")).forward(ps, lastHiddenState, training);
  }

  /**
   * transformers' {@code get_extended_attention_mask} for an encoder: {@code (1 - mask) *
   * float_min}, shaped {@code (B, 1, 1, T)} to add to the scores of every head and query.
   */
  public static NDArray extendedAttentionMask(NDArray attentionMask, DataType dtype) {
    long t = attentionMask.getShape().get(1);
    NDArray m = attentionMask.toType(dtype, false).reshape(-1, 1, 1, t);
    return m.neg().add(1f).mul(-Float.MAX_VALUE);
  }

  /** {@inheritDoc} Inputs: input ids, then optionally the attention mask. */
  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
    NDArray h = forward(ps, SequenceClassifierInputs.of(inputs.get(0), mask, null), training);
    return hasPooler ? new NDList(h, pool(ps, h, training)) : new NDList(h);
  }
}
