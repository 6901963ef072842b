package ai.peft4j;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.models.CausalLMOutput;
import ai.peft4j.models.Generation;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.tuners.MixedBatch;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link PeftModel} around a causal language model, with its typed forward. With prompt learning the forward is
 * PEFT's: prompt tuning and p-tuning prepend the virtual tokens to the word embeddings, extend the attention mask with
 * ones and the labels with -100, so the logits are {@code (B, P + T, V)}; prefix tuning passes the prefix as past
 * keys and values and extends only the mask, so the logits stay {@code (B, T, V)}.
 */
public class PeftModelForCausalLM extends PeftModelForTask<PreTrainedCausalLM, LmInputs, CausalLMOutput> {

    PeftModelForCausalLM(PreTrainedCausalLM model, PeftConfig config, String adapterName) {
        super(model, config, adapterName, PreTrainedCausalLM::forward);
    }

    /**
     * {@link PeftModel#fromPretrained(Block, Path)} for a causal LM, typed as such: loads the
     * adapter in {@code dir} for inference.
     *
     * @throws IllegalArgumentException when the adapter's task_type is not CAUSAL_LM
     */
    public static PeftModelForCausalLM fromPretrained(PreTrainedCausalLM model, Path dir) {
        return fromPretrained(model, dir, PeftModelForCausalLM.class);
    }

    /** Logits and, with labels, the loss; see {@link PreTrainedCausalLM#forward}. */
    public CausalLMOutput forward(NDArray inputIds, NDArray attentionMask, NDArray labels) {
        return forwardInMode(LmInputs.of(inputIds, attentionMask, labels), inputIds);
    }

    /**
     * {@link #forward(NDArray, NDArray, NDArray)} with PEFT's {@code adapter_names}: row {@code i} runs with adapter
     * {@code adapterNames.get(i)}, {@code "__base__"} rows without adapters (LoRA, evaluation mode).
     *
     * <pre>{@code
     * NDArray logits = peft.forward(ids, mask, null, List.of("fr", "__base__", "de")).logits();
     * }</pre>
     */
    public CausalLMOutput forward(NDArray inputIds, NDArray attentionMask, NDArray labels, List<String> adapterNames) {
        return forwardInMode(LmInputs.of(inputIds, attentionMask, labels), inputIds, adapterNames);
    }

    /**
     * {@link #generate(NDArray, NDArray, GenerationConfig)} with PEFT's {@code adapter_names}: every token of row
     * {@code i} is generated with adapter {@code adapterNames.get(i)} ({@code "__base__"}: none), in one batch.
     *
     * <pre>{@code
     * NDArray out = peft.generate(ids, null, GenerationConfig.greedy(20), List.of("fr", "de"));
     * }</pre>
     *
     * @throws IllegalArgumentException when the names are not one per row or name no adapter of this model
     * @throws IllegalStateException in training mode or with merged adapters
     */
    public NDArray generate(
            NDArray inputIds, NDArray attentionMask, GenerationConfig config, List<String> adapterNames) {
        try (MixedBatch.Scope scope = mixedBatch(
                adapterNames, inputIds.getShape().get(0), getBaseModel().isTraining())) {
            return generate(inputIds, attentionMask, config);
        }
    }

    /**
     * PEFT's {@code generate}: {@link PreTrainedCausalLM#generate} through this model's forward, so the
     * active adapter (LoRA layers, or virtual tokens) takes part. Runs in evaluation mode without
     * gradients.
     *
     * <pre>{@code
     * NDArray out = peft.generate(ids, null, GenerationConfig.greedy(20));
     * }</pre>
     */
    public NDArray generate(NDArray inputIds, NDArray attentionMask, GenerationConfig config) {
        PreTrainedCausalLM lm = getBaseModel();
        if (activePrompts() == null) {
            return lm.generate(inputIds, attentionMask, config); // LoRA layers sit in the model: its cache works
        }
        // Virtual tokens are added on every forward, so each step runs the whole sequence.
        return Generation.generate(
                inputIds,
                attentionMask,
                config.orDefaults(lm.generationConfig()),
                (ids, mask) -> PreTrainedCausalLM.lastPosition(
                        forward(new ParameterStore(ids.getManager(), false), LmInputs.of(ids, mask, null), false)
                                .logits()));
    }

    /**
     * The loss of the typed {@code forward} alone, with the same value and gradients,
     * without keeping the full logits (see {@link PreTrainedCausalLM#loss}); what training steps use.
     *
     * @throws IllegalArgumentException when {@code in} has no labels
     */
    public NDArray loss(ParameterStore ps, LmInputs in, boolean training) {
        if (activePrompts() == null) {
            return regularized(ps, getBaseModel().loss(ps, in, training), training);
        }
        try (ForwardScope scope = promptScope(ps, training)) {
            return scope.keep(getBaseModel().loss(ps, withPrompts(ps, in, training), training));
        }
    }

    /** {@link #loss(ParameterStore, LmInputs, boolean)} of a labelled batch; the trainer's default loss. */
    @Override
    public NDArray loss(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray labels, boolean training) {
        return loss(ps, LmInputs.of(inputIds, attentionMask, labels), training);
    }

    /** {@inheritDoc} Labels get -100 for the virtual tokens. */
    @Override
    protected LmInputs withPrompts(ParameterStore ps, LmInputs in, boolean training) {
        VirtualTokenInputs v = VirtualTokenInputs.of(activePrompts(), ps, in.any(), in.attentionMask(), training);
        if (v.pastKeyValues() != null) {
            return new LmInputs(in.inputIds(), in.inputsEmbeds(), v.attentionMask(), in.labels(), v.pastKeyValues());
        }
        NDArray joined = v.joinedEmbeds(ps, in.inputIds(), in.inputsEmbeds(), training);
        return new LmInputs(null, joined, v.attentionMask(), v.labels(in.labels()));
    }
}
