package ai.peft4j.tuners.prompttuning;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.Init;
import ai.peft4j.tuners.prompt.VirtualTokenEncoder;
import ai.peft4j.tuners.prompttuning.PromptTuningConfig.PromptTuningInit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * PEFT's {@code PromptEmbedding}: the virtual tokens' embeddings, {@code embedding} of shape {@code
 * (num_virtual_tokens * num_transformer_submodules, token_dim)}, learned directly.
 *
 * <p>Initialisation as PEFT: {@code RANDOM} N(0, 1) like {@code nn.Embedding}; {@code TEXT} copies the word
 * embeddings of the init text's token ids (cut, or repeated, to the number of virtual tokens), tokenized with the
 * {@code tokenizer.json} of {@code tokenizer_name_or_path} unless the ids are given; {@code SAMPLE_VOCAB}
 * (later PEFT) copies the word embeddings of ids drawn uniformly from the vocabulary. TEXT and SAMPLE_VOCAB apply only
 * when not in inference mode, as in PEFT; they read the word embeddings when the weights are allocated.
 */
public class PromptEmbedding extends VirtualTokenEncoder {

    /**
     * @param config a config with {@code token_dim} and {@code num_transformer_submodules} filled
     * @param wordEmbeddings the base model's token embedding
     * @param rnd the generator for random values
     */
    public PromptEmbedding(PromptTuningConfig config, Embedding wordEmbeddings, Random rnd) {
        int total = config.totalVirtualTokens();
        Embedding embedding = addModule("embedding", new Embedding(total, config.tokenDim(), null));
        PromptTuningInit init = config.promptTuningInit();
        if (config.inferenceMode() || init == PromptTuningInit.RANDOM) {
            Init.normal(embedding.weight(), 1.0, rnd);
            return;
        }
        long[] ids = new long[total];
        if (init == PromptTuningInit.TEXT) {
            List<Integer> text = InitText.tokenIds(config);
            if (text.isEmpty()) {
                throw new PeftConfigException("prompt_tuning_init_text '" + config.promptTuningInitText()
                        + "' has no tokens to copy; give a non-empty text");
            }
            // PEFT: cut to total, or repeat ceil(total / n) times and cut.
            List<Integer> repeated = new ArrayList<>();
            while (repeated.size() < total) {
                repeated.addAll(text);
            }
            for (int i = 0; i < total; i++) {
                ids[i] = repeated.get(i);
            }
        } else {
            for (int i = 0; i < total; i++) {
                ids[i] = (long) (rnd.nextDouble() * wordEmbeddings.numEmbeddings());
            }
        }
        for (long id : ids) {
            if (id >= wordEmbeddings.numEmbeddings()) {
                throw new PeftConfigException("init token id " + id + " is outside the vocabulary of "
                        + wordEmbeddings.numEmbeddings() + " tokens");
            }
        }
        embedding.weight().setInitializer((manager, shape, dataType) -> {
            if (!wordEmbeddings.weight().isInitialized()) {
                throw new IllegalStateException("prompt_tuning_init=" + init + " copies word embeddings, but the base "
                        + "model has no weights yet; load them before the prompt embedding is allocated");
            }
            NDArray index = manager.create(ids);
            NDArray rows = wordEmbeddings.weight().getArray().get(new NDIndex("{}", index));
            NDArray out = rows.toType(dataType, true);
            out.attach(manager);
            rows.close();
            index.close();
            return out;
        });
    }

    /** {@inheritDoc} The embedding rows of {@code indices}. */
    @Override
    public NDArray encode(ParameterStore ps, NDArray indices, boolean training) {
        return embedding().forward(ps, indices, training);
    }
}
