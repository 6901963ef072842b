package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Cached generation, as transformers' {@code use_cache}: the first step runs the whole prompt and
 * keeps every layer's keys and values; each later step runs only the new tokens against them. When
 * the model reports no keys and values (an architecture without a cache, or a replaced attention
 * module), every step runs the whole sequence.
 */
final class KeyValueCache implements Generation.NextTokenLogits, AutoCloseable {

    private final PreTrainedCausalLM model;
    private final NDManager owner;
    private NDManager held; // the past of the next step
    private List<NDList> past;

    KeyValueCache(PreTrainedCausalLM model, NDManager owner) {
        this.model = model;
        this.owner = owner;
    }

    @Override
    public NDArray apply(NDArray ids, NDArray mask) {
        long cached = pastLength();
        NDArray fresh = cached == 0 ? ids : ids.get(new NDIndex(":, {}:", cached));
        List<NDList> presents = new ArrayList<>();
        // transformers' generate counts positions from the mask (so left padding works) for models that take them
        NDArray positions = model.takesPositionIds()
                ? CausalMask.positions(mask, fresh.getShape().get(1))
                : null;
        NDArray logits = model.nextTokenLogits(
                new ParameterStore(ids.getManager(), false),
                new LmInputs(fresh, null, mask, null, past, positions),
                presents);
        NDManager next = owner.newSubManager();
        boolean complete = presents.size() > 0 && presents.stream().allMatch(kv -> kv.size() == 2);
        if (complete) {
            presents.forEach(kv -> kv.attach(next));
        }
        close();
        held = next;
        past = complete ? presents : null;
        return logits;
    }

    /** The positions held for the next step; 0 when nothing is cached. */
    long pastLength() {
        return past == null ? 0 : past.get(0).get(0).getShape().get(2);
    }

    @Override
    public void close() {
        if (held != null) {
            held.close();
            held = null;
        }
    }
}
