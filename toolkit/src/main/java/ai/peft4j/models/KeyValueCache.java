package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.util.List;

/**
 * Cached generation, as transformers' {@code use_cache}: the first step runs the whole prompt and
 * keeps every layer's keys and values; each later step runs only the new tokens against them. When
 * the model reports no keys and values (an architecture without a cache, or a replaced attention
 * module), every step runs the whole sequence.
 */
final class KeyValueCache extends DecodingCache {

    private final PreTrainedCausalLM model;

    KeyValueCache(PreTrainedCausalLM model, NDManager owner) {
        super(owner, 2); // (key, value) per layer
        this.model = model;
    }

    @Override
    protected NDArray step(NDArray fresh, NDArray mask, List<NDList> presents) {
        // transformers' generate counts positions from the mask (so left padding works) for models that take them
        NDArray positions = model.takesPositionIds()
                ? CausalMask.positions(mask, fresh.getShape().get(1))
                : null;
        return model.nextTokenLogits(
                new ParameterStore(fresh.getManager(), false),
                new LmInputs(fresh, null, mask, null, past(), positions),
                presents);
    }
}
