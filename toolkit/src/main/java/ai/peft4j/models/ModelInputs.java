package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;

/**
 * What every model's inputs have, named as in transformers: exactly one of {@code inputIds (B, T)} and {@code
 * inputsEmbeds (B, T, D)}, and optionally one {@code (key, value)} pair per layer, each {@code (B, H, P, hd)}, that
 * goes before that layer's keys and values (what prefix tuning feeds in).
 */
public interface ModelInputs {

    /** Token ids {@code (B, T)}, or null when {@link #inputsEmbeds()} is given. */
    NDArray inputIds();

    /** Input embeddings {@code (B, T, D)}, or null when {@link #inputIds()} is given. */
    NDArray inputsEmbeds();

    /** The past keys and values, one pair per layer, or null. */
    List<NDList> pastKeyValues();

    /** The number of past positions {@code P}, 0 without past keys and values. */
    default long pastLength() {
        List<NDList> past = pastKeyValues();
        return past == null || past.isEmpty()
                ? 0
                : past.get(0).get(0).getShape().get(2);
    }

    /** Any input array, for its manager and device. */
    default NDArray any() {
        return inputIds() != null ? inputIds() : inputsEmbeds();
    }

    /**
     * Checks that exactly one of the two is given.
     *
     * @throws IllegalArgumentException when both or neither are
     */
    static void requireIdsOrEmbeds(NDArray inputIds, NDArray inputsEmbeds) {
        if ((inputIds == null) == (inputsEmbeds == null)) {
            throw new IllegalArgumentException("give exactly one of input_ids and inputs_embeds");
        }
    }
}
