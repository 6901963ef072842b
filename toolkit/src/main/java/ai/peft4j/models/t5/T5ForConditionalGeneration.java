package ai.peft4j.models.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.models.DecodingCache;
import ai.peft4j.models.Generation;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.Losses;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.GradMode;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.Scalars;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' {@code T5ForConditionalGeneration} (and, with an mT5 config, {@code MT5ForConditionalGeneration}):
 * the {@code shared} token embedding, the {@code encoder} and {@code decoder} stacks that read it as their {@code
 * embed_tokens}, and the {@code lm_head}. With {@code tie_word_embeddings} (t5) the head is {@code shared} too and the
 * decoder output is multiplied by {@code d_model^-0.5} before it; mT5 and t5 v1.1 have their own head.
 *
 * <p>Labels go in as transformers takes them: the decoder reads them shifted right ({@code decoder_start_token_id}
 * first, -100 replaced by the pad id) and the loss compares the logits with the labels position by position.
 *
 * <pre>{@code
 * T5ForConditionalGeneration t5 = T5ForConditionalGeneration.fromPretrained(Path.of("t5-small"));
 * Seq2SeqLMOutput out = t5.forward(inputIds, attentionMask, labels);   // logits (B, T_labels, V), loss
 * NDArray summary = t5.generate(inputIds, attentionMask, GenerationConfig.greedy(20));
 * }</pre>
 */
public class T5ForConditionalGeneration extends PreTrainedModel {

    private final T5Stack encoder;
    private final T5Stack decoder;

    /** The architecture, with no weights allocated. */
    public T5ForConditionalGeneration(T5Config config) {
        super(config);
        Embedding shared = addModule("shared", new Embedding(config.vocabSize(), config.dModel(), null));
        encoder = addModule("encoder", new T5Stack(config, shared, false));
        decoder = addModule("decoder", new T5Stack(config, shared, true));
        addModule(
                "lm_head",
                config.tieWordEmbeddings()
                        ? new Linear(shared.weight())
                        : new Linear(config.dModel(), config.vocabSize(), false));
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights, single or sharded, F32/F16/BF16). */
    public static T5ForConditionalGeneration fromPretrained(Path dir) {
        T5Config c = T5Config.fromPretrained(dir);
        return withWeightsFrom(c.isMt5() ? new MT5ForConditionalGeneration(c) : new T5ForConditionalGeneration(c), dir);
    }

    /** Seeded random weights (for demos and tests). */
    public static T5ForConditionalGeneration fromConfig(T5Config config, long seed) {
        T5ForConditionalGeneration m =
                config.isMt5() ? new MT5ForConditionalGeneration(config) : new T5ForConditionalGeneration(config);
        m.initWeights(seed);
        return m;
    }

    /** {@inheritDoc} */
    @Override
    public T5Config config() {
        return (T5Config) super.config();
    }

    public T5Stack encoder() {
        return encoder;
    }

    public T5Stack decoder() {
        return decoder;
    }

    /** The token embedding shared by both stacks. */
    public Embedding shared() {
        return (Embedding) module("shared");
    }

    /** {@inheritDoc} {@code shared}, as transformers' {@code get_input_embeddings()}. */
    @Override
    public Embedding inputEmbeddings() {
        return shared();
    }

    /** {@inheritDoc} transformers' {@code T5PreTrainedModel.base_model_prefix}. */
    @Override
    public String baseModelPrefix() {
        return "transformer";
    }

    /**
     * Seeded random weights drawn as transformers' {@code T5PreTrainedModel._init_weights} draws them: each matrix with
     * its own {@code initializer_factor}-scaled deviation (q by {@code (d_model d_kv)^-0.5}, k, v, wi and the relative
     * attention bias by {@code d_model^-0.5}, o by {@code (num_heads d_kv)^-0.5}, wo by {@code d_ff^-0.5}, the shared
     * embedding and an untied head by 1), layer norms at {@code initializer_factor}. Parameters that already have a
     * value keep it.
     */
    @Override
    public T5ForConditionalGeneration initWeights(long seed) {
        T5Init.apply(this, seed);
        return this;
    }

    /**
     * transformers' {@code _shift_right}: {@code decoder_start_token_id} first, the labels without their last
     * position after it, and -100 replaced by the pad id.
     */
    public NDArray shiftRight(NDArray labels) {
        long b = labels.getShape().get(0);
        NDArray ids = labels.toType(DataType.INT64, false);
        NDArray start = startTokens(ids.getManager(), b);
        NDArray shifted =
                start.concat(ids.get(new NDIndex(":, :{}", labels.getShape().get(1) - 1)), 1);
        NDArray ignored = shifted.eq(Losses.IGNORE_INDEX).toType(DataType.INT64, false);
        return shifted.mul(ignored.mul(-1L).add(1L)).add(ignored.mul((long) config().padTokenId()));
    }

    /** {@code (B, 1)} int64 ids, all {@code decoder_start_token_id}. */
    private NDArray startTokens(NDManager m, long b) {
        long[] ids = new long[Math.toIntExact(b)];
        java.util.Arrays.fill(ids, config().decoderStartTokenId());
        return m.create(ids, new Shape(b, 1));
    }

    /**
     * The full forward pass.
     *
     * @param inputIds encoder ids {@code (B, S)}, or null when {@code inputsEmbeds} is given
     * @param inputsEmbeds encoder input embeddings {@code (B, S, D)} (prompt learning), or null
     * @param attentionMask the encoder mask {@code (B, S)}, null for all ones
     * @param decoderInputIds {@code (B, T)}; null to shift {@code labels} right
     * @param labels {@code (B, T)} targets, -100 where ignored; may be null
     */
    public Seq2SeqLMOutput forward(
            ParameterStore ps,
            NDArray inputIds,
            NDArray inputsEmbeds,
            NDArray attentionMask,
            NDArray decoderInputIds,
            NDArray labels,
            boolean training) {
        return forward(ps, inputIds, inputsEmbeds, attentionMask, decoderInputIds, null, labels, training);
    }

    /**
     * {@link #forward(ParameterStore, NDArray, NDArray, NDArray, NDArray, NDArray, boolean)} with the decoder's input
     * embeddings {@code (B, T, D)} given instead of its ids (prompt learning); then the labels are not shifted.
     */
    public Seq2SeqLMOutput forward(
            ParameterStore ps,
            NDArray inputIds,
            NDArray inputsEmbeds,
            NDArray attentionMask,
            NDArray decoderInputIds,
            NDArray decoderInputsEmbeds,
            NDArray labels,
            boolean training) {
        if (decoderInputIds == null && decoderInputsEmbeds == null && labels == null) {
            throw new IllegalArgumentException(
                    "T5 needs decoder_input_ids or labels (which are shifted right into them)");
        }
        try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
            NDArray enc = encoder.forward(ps, inputIds, inputsEmbeds, attentionMask, null, null, null, null, training);
            NDArray dec = decoderInputIds != null || decoderInputsEmbeds != null ? decoderInputIds : shiftRight(labels);
            NDArray hidden =
                    decoder.forward(ps, dec, decoderInputsEmbeds, null, enc, attentionMask, null, null, training);
            NDArray logits = head(ps, hidden, training);
            NDArray loss = labels == null ? null : Losses.crossEntropy(logits, labels);
            return new Seq2SeqLMOutput(scope.keep(logits), scope.keep(loss));
        }
    }

    /**
     * Logits and, when {@code labels} is not null, the loss; the decoder reads the labels shifted right. Results live on
     * the manager of {@code inputIds}.
     */
    public Seq2SeqLMOutput forward(NDArray inputIds, NDArray attentionMask, NDArray labels) {
        ParameterStore ps = new ParameterStore(inputIds.getManager(), false);
        return forward(ps, inputIds, null, attentionMask, null, labels, isTraining());
    }

    /** The encoder's last hidden states {@code (B, S, D)}. */
    public NDArray encode(
            ParameterStore ps, NDArray inputIds, NDArray inputsEmbeds, NDArray attentionMask, boolean training) {
        return encoder.forward(ps, inputIds, inputsEmbeds, attentionMask, null, null, null, null, training);
    }

    private NDArray head(ParameterStore ps, NDArray hidden, boolean training) {
        if (config().tieWordEmbeddings()) {
            hidden = Scalars.mul(
                    hidden, Math.pow(config().dModel(), -0.5)); // the rescale transformers applies when tied
        }
        return call("lm_head", ps, training, hidden);
    }

    /**
     * transformers' {@code generation_config} for this model: greedy, 20 new tokens, EOS and pad from the config
     * (T5's defaults 1 and 0).
     */
    public GenerationConfig generationConfig() {
        return GenerationConfig.greedy(20).withEosTokenId(config().eosTokenId()).withPadTokenId(config().padTokenId());
    }

    /**
     * transformers' {@code generate} for an encoder-decoder model (evaluation mode, no gradients): the encoder runs
     * once; the decoder starts from {@code decoder_start_token_id} and, with a key/value cache, reads one new token per
     * step (its self-attention cache grows; the cross-attention keys and values are computed at the first step and
     * reused). Returns the decoder ids {@code (B, 1 + n)}, the start token first; a row that produced EOS is padded.
     *
     * @param attentionMask the encoder mask (1 for tokens, 0 for padding; either side), null for all ones
     */
    public NDArray generate(NDArray inputIds, NDArray attentionMask, GenerationConfig config) {
        return generate(inputIds, null, attentionMask, config);
    }

    /** {@link #generate(NDArray, NDArray, GenerationConfig)} from encoder input embeddings (prompt learning). */
    public NDArray generate(NDArray inputIds, NDArray inputsEmbeds, NDArray attentionMask, GenerationConfig config) {
        return generate(inputIds, inputsEmbeds, attentionMask, config, null);
    }

    /** As above; {@code scores}, when not null, receives each step's next-token logits {@code (B, V)} as floats. */
    NDArray generate(
            NDArray inputIds,
            NDArray inputsEmbeds,
            NDArray attentionMask,
            GenerationConfig config,
            List<float[]> scores) {
        NDArray any = inputIds != null ? inputIds : inputsEmbeds;
        NDManager owner = any.getManager();
        long b = any.getShape().get(0);
        try (NDManager held = owner.newSubManager();
                Decoding cache = new Decoding(owner, scores)) {
            NDArray enc;
            try (GradMode.Scope off = GradMode.off()) {
                enc = encode(new ParameterStore(owner, false), inputIds, inputsEmbeds, attentionMask, false);
            }
            enc.attach(held);
            cache.encoderHidden = enc;
            cache.encoderMask = attentionMask;
            NDArray start = startTokens(owner, b);
            return Generation.generate(start, null, config.orDefaults(generationConfig()), cache);
        }
    }

    /** One decoder step per new token, with the self- and cross-attention keys and values cached. */
    private final class Decoding extends DecodingCache {
        private NDArray encoderHidden;
        private NDArray encoderMask;
        private final List<float[]> scores;

        Decoding(NDManager owner, List<float[]> scores) {
            super(owner, 4); // self- and cross-attention (key, value) per layer
            this.scores = scores;
        }

        @Override
        protected NDArray step(NDArray fresh, NDArray mask, List<NDList> presents) {
            ParameterStore ps = new ParameterStore(fresh.getManager(), false);
            NDArray logits;
            try (ForwardScope scope = ForwardScope.open(T5ForConditionalGeneration.this, ps, false)) {
                NDArray hidden =
                        decoder.forward(ps, fresh, null, mask, encoderHidden, encoderMask, past(), presents, false);
                NDArray last = hidden.get(new NDIndex(":, -1:, :"));
                logits = scope.keep(head(ps, last, false).squeeze(1));
                scope.keepAll(presents);
            }
            if (scores != null) {
                scores.add(logits.toFloatArray());
            }
            return logits;
        }
    }

    /** {@inheritDoc} Inputs: input ids, attention mask, labels; outputs the logits, then the loss. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return forward(ps, inputs.get(0), null, optionalInput(inputs, 1), null, optionalInput(inputs, 2), training)
                .toNDList();
    }
}
