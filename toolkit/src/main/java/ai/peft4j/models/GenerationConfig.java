package ai.peft4j.models;

/**
 * What {@code generate} does, with transformers' names and defaults: greedy unless {@code
 * doSample}; sampling applies {@code temperature}, then {@code topK}, then {@code topP}. Token ids
 * left null come from the model's config ({@code eos_token_id}, {@code pad_token_id}).
 *
 * <pre>{@code
 * NDArray ids = lm.generate(prompt, null, GenerationConfig.greedy(20));
 * NDArray sampled = peft.generate(prompt, null, GenerationConfig.sampling(20).withTopP(0.9).withSeed(7));
 * }</pre>
 *
 * @param maxNewTokens tokens to add at most ({@code max_new_tokens})
 * @param doSample draw the next token instead of taking the most likely one ({@code do_sample})
 * @param temperature divides the logits before sampling
 * @param topK sample among the k most likely tokens only; 0 for all
 * @param topP sample among the most likely tokens whose probabilities add up to p; 1 for all
 * @param eosTokenId stops a sequence; null for the model's
 * @param padTokenId fills finished sequences; null for the model's (else the EOS id)
 * @param seed seeds sampling: runs repeat in peft4j (PyTorch draws other numbers)
 */
public record GenerationConfig(
        int maxNewTokens,
        boolean doSample,
        double temperature,
        int topK,
        double topP,
        Integer eosTokenId,
        Integer padTokenId,
        long seed) {

    public GenerationConfig {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max_new_tokens must be 0 or more, got " + maxNewTokens);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature has to be a strictly positive float, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k has to be 0 (no limit) or a positive integer, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p has to be a float > 0 and <= 1, got " + topP);
        }
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens. */
    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, false, 1.0, 50, 1.0, null, null, 0);
    }

    /** Sampling with transformers' defaults (temperature 1, top_k 50, top_p 1), seed 0. */
    public static GenerationConfig sampling(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, true, 1.0, 50, 1.0, null, null, 0);
    }

    public GenerationConfig withTemperature(double t) {
        return new GenerationConfig(maxNewTokens, doSample, t, topK, topP, eosTokenId, padTokenId, seed);
    }

    public GenerationConfig withTopK(int k) {
        return new GenerationConfig(maxNewTokens, doSample, temperature, k, topP, eosTokenId, padTokenId, seed);
    }

    public GenerationConfig withTopP(double p) {
        return new GenerationConfig(maxNewTokens, doSample, temperature, topK, p, eosTokenId, padTokenId, seed);
    }

    public GenerationConfig withEosTokenId(Integer id) {
        return new GenerationConfig(maxNewTokens, doSample, temperature, topK, topP, id, padTokenId, seed);
    }

    public GenerationConfig withPadTokenId(Integer id) {
        return new GenerationConfig(maxNewTokens, doSample, temperature, topK, topP, eosTokenId, id, seed);
    }

    /** This config, with the token ids it leaves null taken from {@code model} (a model's defaults). */
    public GenerationConfig orDefaults(GenerationConfig model) {
        return new GenerationConfig(
                maxNewTokens,
                doSample,
                temperature,
                topK,
                topP,
                eosTokenId != null ? eosTokenId : model.eosTokenId(),
                padTokenId != null ? padTokenId : model.padTokenId(),
                seed);
    }

    public GenerationConfig withSeed(long s) {
        return new GenerationConfig(maxNewTokens, doSample, temperature, topK, topP, eosTokenId, padTokenId, s);
    }
}
