package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.Linear;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A {@link PreTrainedModel} that predicts the next token ({@code *ForCausalLM}): a {@link DecoderModel} that gives
 * the last hidden states and an {@code lm_head} that turns them into logits.
 */
public abstract class PreTrainedCausalLM extends PreTrainedModel {

    private DecoderModel decoder;

    protected PreTrainedCausalLM(PretrainedConfig config) {
        super(config);
    }

    /**
     * Adds the bare {@code decoder} under {@code prefix} (the base model) and an {@code lm_head} over its last hidden
     * states: {@code embedding_dim -> vocab_size} without bias or, with {@code tie_word_embeddings}, sharing the
     * decoder's token embedding weight. Returns the decoder.
     */
    protected final <D extends DecoderModel> D addDecoder(String prefix, D decoder) {
        this.decoder = addBaseModel(prefix, decoder);
        Embedding tokens = decoder.inputEmbeddings();
        addModule(
                "lm_head",
                config().tieWordEmbeddings()
                        ? new Linear(tokens.weight())
                        : new Linear(tokens.embeddingDim(), tokens.numEmbeddings(), false));
        return decoder;
    }

    /**
     * The last hidden states {@code (B, T, D)} that {@code lm_head} reads: the decoder's (see {@link
     * DecoderModel#forward(ParameterStore, LmInputs, boolean, List)}). When {@code presents} is not null, each
     * layer's {@code (key, value)}, past positions included, is added to it for cached generation.
     */
    protected NDArray hiddenStates(ParameterStore ps, LmInputs in, boolean training, List<NDList> presents) {
        return decoder.forward(ps, in, training, presents);
    }

    /**
     * Whether the forward pass reads {@link LmInputs#positionIds()}, as transformers' {@code forward(position_ids=...)}
     * (the decoder's {@link DecoderModel#takesPositionIds()}); {@code generate} then passes positions counted from the
     * attention mask. A model whose positions come from elsewhere (OPT counts the mask itself) refuses them.
     */
    public boolean takesPositionIds() {
        return decoder.takesPositionIds();
    }

    /** The full forward pass; {@code ps} supplies parameter values on the inputs' device. */
    public CausalLMOutput forward(ParameterStore ps, LmInputs in, boolean training) {
        try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
            NDArray logits = call("lm_head", ps, training, hiddenStates(ps, in, training, null));
            NDArray loss = in.labels() == null ? null : Losses.causalLmLoss(logits, in.labels());
            return new CausalLMOutput(scope.keep(logits), scope.keep(loss));
        }
    }

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

    /** {@inheritDoc} Inputs: input ids, then optionally attention mask and labels; outputs logits, then the loss. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        LmInputs in = LmInputs.of(inputs.get(0), optionalInput(inputs, 1), optionalInput(inputs, 2));
        return forward(ps, in, training).toNDList();
    }

    /**
     * transformers' {@code generate} for this model alone (evaluation mode, no gradients): greedy or
     * sampled continuation of {@code inputIds (B, T)}, returned as {@code (B, T + n)} ids. See {@link
     * Generation} for the loop and {@link GenerationConfig} for the settings.
     *
     * <pre>{@code
     * NDArray out = lm.generate(manager.create(new long[][] {{2, 100, 7}}), null, GenerationConfig.greedy(10));
     * }</pre>
     *
     * @param attentionMask 1 for tokens, 0 for left padding; null for all ones
     */
    public NDArray generate(NDArray inputIds, NDArray attentionMask, GenerationConfig config) {
        try (KeyValueCache cache = new KeyValueCache(this, inputIds.getManager())) {
            return Generation.generate(inputIds, attentionMask, config.orDefaults(generationConfig()), cache);
        }
    }

    /**
     * The next-token logits {@code (B, V)} of {@code in} (evaluation mode): the LM head runs on the last position
     * only. Each layer's keys and values are added to {@code presents}.
     */
    NDArray nextTokenLogits(ParameterStore ps, LmInputs in, List<NDList> presents) {
        try (ForwardScope scope = ForwardScope.open(this, ps, false)) {
            NDArray last = hiddenStates(ps, in, false, presents).get(new NDIndex(":, -1:, :"));
            scope.keepAll(presents);
            return scope.keep(call("lm_head", ps, false, last).squeeze(1));
        }
    }

    /** The logits {@code (B, V)} of the last position of {@code logits (B, T, V)}. */
    public static NDArray lastPosition(NDArray logits) {
        return logits.get(new NDIndex(":, -1, :"));
    }

    /**
     * transformers' {@code model.generation_config}: greedy, 20 new tokens, with this model's {@code
     * eos_token_id} and {@code pad_token_id} (the config class's defaults where config.json is silent); a {@link GenerationConfig} given to {@code generate}
     * takes the token ids it leaves null from here.
     */
    public GenerationConfig generationConfig() {
        JsonNode json = config().toJsonNode();
        JsonNode eos = json.path("eos_token_id");
        if (eos.isArray()) {
            eos = eos.path(0); // several: generation stops at any; peft4j stops at the first
        }
        JsonNode pad = json.path("pad_token_id");
        return GenerationConfig.greedy(20)
                .withEosTokenId(
                        json.has("eos_token_id")
                                ? (eos.canConvertToInt() ? eos.intValue() : null)
                                : config().defaultEosTokenId())
                .withPadTokenId(
                        json.has("pad_token_id")
                                ? (pad.canConvertToInt() ? pad.intValue() : null)
                                : config().defaultPadTokenId());
    }

    /**
     * The loss of {@link #forward(ParameterStore, LmInputs, boolean)} alone, with the same value
     * and gradients, for training: a plain {@code lm_head} is applied a chunk of positions at a time
     * ({@link Losses#causalLmLoss(NDArray, NDArray, NDArray, NDArray)}), so the {@code (B, T, V)}
     * logits never exist at once. An {@code lm_head} with adapters or trained as a copy goes
     * through the plain forward.
     *
     * <pre>{@code
     * NDArray loss = lm.loss(ps, LmInputs.of(ids, mask, labels), true);
     * collector.backward(loss);
     * }</pre>
     *
     * @throws IllegalArgumentException when {@code in} has no labels
     */
    public NDArray loss(ParameterStore ps, LmInputs in, boolean training) {
        if (in.labels() == null) {
            throw new IllegalArgumentException("loss(...) needs labels; use forward(...) for logits alone");
        }
        Block head = module("lm_head");
        try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
            if (!(head instanceof Linear)) {
                return scope.keep(forward(ps, in, training).loss()); // the logits close with the scope
            }
            NDArray hidden = hiddenStates(ps, in, training, null);
            Linear linear = (Linear) head;
            NDArray weight = value(ps, linear.weight(), hidden, training);
            NDArray bias = value(ps, linear.bias(), hidden, training);
            return scope.keep(Losses.causalLmLoss(hidden, weight, bias, in.labels()));
        }
    }
}
