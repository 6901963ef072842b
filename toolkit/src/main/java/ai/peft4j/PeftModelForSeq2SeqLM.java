package ai.peft4j;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftType;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.t5.Seq2SeqLMOutput;
import ai.peft4j.models.t5.T5ForConditionalGeneration;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.GradMode;
import ai.peft4j.tuners.MixedBatch;
import ai.peft4j.tuners.prompt.PromptLearning;
import java.nio.file.Path;
import java.util.List;

/**
 * PEFT's {@code PeftModelForSeq2SeqLM}: a {@link PeftModel} around an encoder-decoder language model (T5, mT5).
 *
 * <p>With prompt tuning or p-tuning the forward and {@code generate} are PEFT 0.10's: the virtual tokens go before
 * the encoder's input embeddings only (the encoder mask gets ones for them); the decoder reads the labels shifted
 * right as without them, so logits and labels stay {@code (B, T, V)} and {@code (B, T)}. With {@code
 * num_transformer_submodules = 2}, the default for {@code SEQ_2_SEQ_LM}, the prompt embedding has {@code 2 P} rows,
 * as PEFT creates and saves it, of which these two paths read the first {@code P}. Prefix tuning on encoder-decoder
 * models is not supported yet.
 *
 * <pre>{@code
 * var mt0 = AutoModelForSeq2SeqLM.fromPretrained("bigscience/mt0-large");
 * var peft = (PeftModelForSeq2SeqLM) Peft.lora().r(8).alpha(32).dropout(0.1).task(TaskType.SEQ_2_SEQ_LM).apply(mt0);
 * peft.printTrainableParameters();   // LoRA on q and v of every attention, cross-attention included
 * Seq2SeqLMOutput out = peft.forward(inputIds, attentionMask, labels);
 * NDArray answer = peft.generate(inputIds, attentionMask, GenerationConfig.greedy(20));
 * }</pre>
 */
public class PeftModelForSeq2SeqLM extends PeftModel {

    private final T5ForConditionalGeneration lm;

    PeftModelForSeq2SeqLM(T5ForConditionalGeneration model, PeftConfig config, String adapterName) {
        super(model, supported(config), adapterName);
        this.lm = model;
    }

    private static PeftConfig supported(PeftConfig config) {
        if (config.peftType() == PeftType.PREFIX_TUNING) {
            throw new IllegalArgumentException(
                    "PREFIX_TUNING on an encoder-decoder model (SEQ_2_SEQ_LM) is not supported "
                            + "by peft4j yet; use PROMPT_TUNING, P_TUNING or LoRA");
        }
        return config;
    }

    /** {@inheritDoc} Prefix tuning is refused here too. */
    @Override
    public void addAdapter(String name, PeftConfig config) {
        super.addAdapter(name, supported(config));
    }

    /**
     * {@link PeftModel#fromPretrained(ai.djl.nn.Block, Path)} for a seq2seq LM, typed as such: loads the adapter in
     * {@code dir} for inference.
     *
     * @throws IllegalArgumentException when the adapter's task_type is not SEQ_2_SEQ_LM
     */
    public static PeftModelForSeq2SeqLM fromPretrained(T5ForConditionalGeneration model, Path dir) {
        return PeftModelForTask.fromPretrained(model, dir, PeftModelForSeq2SeqLM.class);
    }

    /** The wrapped encoder-decoder model, with adapter layers in place. */
    @Override
    public T5ForConditionalGeneration getBaseModel() {
        return lm;
    }

    /** Logits and, with labels, the loss (the decoder reads the labels shifted right), in the model's current mode. */
    public Seq2SeqLMOutput forward(NDArray inputIds, NDArray attentionMask, NDArray labels) {
        return forward(
                new ParameterStore(inputIds.getManager(), false),
                inputIds,
                attentionMask,
                null,
                labels,
                lm.isTraining());
    }

    /**
     * {@link #forward(NDArray, NDArray, NDArray)} with PEFT's {@code adapter_names}: row {@code i} runs (encoder and
     * decoder) with adapter {@code adapterNames.get(i)}, {@code "__base__"} rows without adapters (LoRA, evaluation
     * mode); see {@link PeftModel#forward(ParameterStore, NDList, boolean, List)}.
     */
    public Seq2SeqLMOutput forward(NDArray inputIds, NDArray attentionMask, NDArray labels, List<String> adapterNames) {
        try (MixedBatch.Scope scope =
                mixedBatch(adapterNames, inputIds.getShape().get(0), lm.isTraining())) {
            return forward(inputIds, attentionMask, labels);
        }
    }

    /**
     * The full forward pass with an explicit parameter store and mode.
     *
     * @param decoderInputIds {@code (B, T)}, or null to shift the labels right
     */
    public Seq2SeqLMOutput forward(
            ParameterStore ps,
            NDArray inputIds,
            NDArray attentionMask,
            NDArray decoderInputIds,
            NDArray labels,
            boolean training) {
        if (activePrompts() == null) {
            Seq2SeqLMOutput out = lm.forward(ps, inputIds, null, attentionMask, decoderInputIds, labels, training);
            // the method's regulariser, as PEFT's forward adds it to a loss (AdaLoRA)
            NDArray loss = regularized(ps, out.loss(), training);
            return loss == out.loss() ? out : new Seq2SeqLMOutput(out.logits(), loss);
        }
        try (ForwardScope scope = promptScope(ps, training)) {
            NDArray mask = promptMask(inputIds, attentionMask);
            NDArray embeds = promptedEmbeds(ps, inputIds, training);
            Seq2SeqLMOutput out = lm.forward(ps, null, embeds, mask, decoderInputIds, labels, training);
            return new Seq2SeqLMOutput(scope.keep(out.logits()), scope.keep(out.loss()));
        }
    }

    /**
     * The encoder's input embeddings with the virtual tokens in front. PEFT 0.10 reads only the first {@code
     * num_virtual_tokens} rows, whatever {@code num_transformer_submodules} says.
     */
    private NDArray promptedEmbeds(ParameterStore ps, NDArray inputIds, boolean training) {
        PromptLearning pl = activePrompts();
        int p = pl.activeConfig().numVirtualTokens();
        NDArray prompts = pl.prompts(ps, inputIds.getShape().get(0), inputIds, training);
        NDArray embeds = pl.wordEmbeddings().forward(ps, inputIds, training);
        prompts = prompts.get(new NDIndex(":, :{}", p)).toType(embeds.getDataType(), false);
        return NDArrays.concat(new NDList(prompts, embeds), 1);
    }

    /** The encoder's attention mask with ones for the virtual tokens, or null without a mask. */
    private NDArray promptMask(NDArray inputIds, NDArray attentionMask) {
        int p = activePrompts().activeConfig().numVirtualTokens();
        return attentionMask == null
                ? null
                : VirtualTokenInputs.prefixOnes(
                        attentionMask, inputIds.getShape().get(0), p);
    }

    /**
     * PEFT's {@code generate}: the model's {@link T5ForConditionalGeneration#generate} with the active adapter; with
     * prompt learning the virtual tokens go before the encoder's inputs (not the decoder's), as PEFT 0.10 does.
     * Returns the decoder ids {@code (B, 1 + n)}, the decoder start token first.
     */
    public NDArray generate(NDArray inputIds, NDArray attentionMask, GenerationConfig config) {
        if (activePrompts() == null) {
            return lm.generate(inputIds, attentionMask, config); // LoRA layers sit in the model
        }
        ParameterStore ps = new ParameterStore(inputIds.getManager(), false);
        NDArray embeds;
        NDArray mask;
        try (GradMode.Scope off = GradMode.off();
                ForwardScope scope = promptScope(ps, false)) {
            embeds = scope.keep(promptedEmbeds(ps, inputIds, false));
            mask = scope.keep(promptMask(inputIds, attentionMask));
        }
        return lm.generate(null, embeds, mask, config);
    }

    /**
     * {@link #generate(NDArray, NDArray, GenerationConfig)} with PEFT's {@code adapter_names}: row {@code i} is
     * encoded and decoded with adapter {@code adapterNames.get(i)} ({@code "__base__"}: none), in one batch.
     *
     * <pre>{@code
     * NDArray out = peft.generate(ids, mask, GenerationConfig.greedy(20), List.of("sort", "__base__"));
     * }</pre>
     */
    public NDArray generate(
            NDArray inputIds, NDArray attentionMask, GenerationConfig config, List<String> adapterNames) {
        try (MixedBatch.Scope scope =
                mixedBatch(adapterNames, inputIds.getShape().get(0), lm.isTraining())) {
            return generate(inputIds, attentionMask, config);
        }
    }

    /** {@inheritDoc} The loss of this model's forward (virtual tokens included). */
    @Override
    public NDArray loss(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray labels, boolean training) {
        try (ForwardScope scope = ForwardScope.open()) {
            return scope.keep(
                    forward(ps, inputIds, attentionMask, null, labels, training).loss());
        }
    }
}
