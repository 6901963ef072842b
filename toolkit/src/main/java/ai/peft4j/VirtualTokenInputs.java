package ai.peft4j;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftType;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.tuners.prompt.PromptLearning;
import java.util.List;

/**
 * What every task's prompt-learning forward builds from the active adapter, as PEFT 0.10's {@code PeftModelFor*}
 * do: the attention mask with {@code P} ones in front, and either the past keys and values (prefix tuning) or the
 * virtual-token embeddings in front of the inputs' (prompt tuning, p-tuning), with token types and labels extended
 * to match.
 */
final class VirtualTokenInputs {

    private final PromptLearning pl;
    private final NDArray any;
    private final long batch;
    private final int p;
    private final NDArray mask;
    private final List<NDList> past;

    private VirtualTokenInputs(
            PromptLearning pl, ParameterStore ps, NDArray any, NDArray attentionMask, boolean training) {
        this.pl = pl;
        this.any = any;
        batch = any.getShape().get(0);
        p = pl.activeConfig().numVirtualTokens();
        mask = prefixOnes(attentionMask, batch, p);
        past = pl.activeConfig().peftType() == PeftType.PREFIX_TUNING
                ? pl.pastKeyValues(ps, batch, any, training)
                : null;
    }

    /** The virtual tokens of {@code pl}'s active adapter for inputs like {@code any} ({@code (B, T, ...)}). */
    static VirtualTokenInputs of(
            PromptLearning pl, ParameterStore ps, NDArray any, NDArray attentionMask, boolean training) {
        return new VirtualTokenInputs(pl, ps, any, attentionMask, training);
    }

    /** The number of virtual tokens {@code P}. */
    int numVirtualTokens() {
        return p;
    }

    /** {@code cat(ones(B, P), mask)}, or null without a mask (as PEFT). */
    NDArray attentionMask() {
        return mask;
    }

    /** One {@code (key, value)} per layer for prefix tuning; null for the methods that prepend embeddings. */
    List<NDList> pastKeyValues() {
        return past;
    }

    /** {@code cat(prompts, embeds)} {@code (B, P + T, D)}, the inputs embedded by the word embedding when not given. */
    NDArray joinedEmbeds(ParameterStore ps, NDArray inputIds, NDArray inputsEmbeds, boolean training) {
        NDArray embeds =
                inputsEmbeds != null ? inputsEmbeds : pl.wordEmbeddings().forward(ps, inputIds, training);
        NDArray prompts = pl.prompts(ps, batch, any, training).toType(embeds.getDataType(), false);
        return NDArrays.concat(new NDList(prompts, embeds), 1);
    }

    /**
     * A sequence or token classifier's inputs with the virtual tokens: for prefix tuning the past keys and values and
     * the longer mask; otherwise the joined embeddings, the longer mask and token types with zeros in front.
     */
    SequenceClassifierInputs classifierInputs(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
        if (past != null) {
            return new SequenceClassifierInputs(
                    in.inputIds(), in.inputsEmbeds(), mask, in.tokenTypeIds(), in.labels(), past);
        }
        NDArray tokenTypes = tokenTypeIds(in.tokenTypeIds());
        NDArray joined = joinedEmbeds(ps, in.inputIds(), in.inputsEmbeds(), training);
        return new SequenceClassifierInputs(null, joined, mask, tokenTypes, in.labels());
    }

    /** {@code cat(zeros(B, P), tokenTypeIds)} in int64, or null without token types. */
    NDArray tokenTypeIds(NDArray tokenTypeIds) {
        return tokenTypeIds == null
                ? null
                : tokenTypeIds
                        .getManager()
                        .zeros(new Shape(batch, p), DataType.INT64, any.getDevice())
                        .concat(tokenTypeIds.toType(DataType.INT64, false), 1);
    }

    /** {@code cat(full(B, P, -100), labels)}, or null without labels. */
    NDArray labels(NDArray labels) {
        return labels == null
                ? null
                : labels.getManager()
                        .full(new Shape(batch, p), -100, labels.getDataType(), any.getDevice())
                        .concat(labels, 1);
    }

    /** {@code cat(ones(B, P), mask)} in the mask's type, or null without a mask (as PEFT). */
    static NDArray prefixOnes(NDArray mask, long batch, int p) {
        if (mask == null) {
            return null;
        }
        NDArray ones = mask.getManager().ones(new Shape(batch, p), mask.getDataType(), mask.getDevice());
        return ones.concat(mask, 1);
    }
}
