package ai.peft4j.tuners;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.config.PeftConfig;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What a {@code PeftModel} needs from a PEFT method: the adapters it holds and how they are added,
 * switched, saved and taken out again. Layer-injecting tuners ({@link BaseTuner}, e.g. LoRA) and
 * prompt learning ({@code tuners.prompt.PromptLearning}) both implement it, so the model delegates
 * without knowing which kind it holds.
 *
 * <p>Keys of {@link #stateDict} are PEFT's saved keys, relative to the {@code PeftModel} this
 * host's {@linkplain #peftModelChildren children} belong to.
 */
public interface AdapterHost {

    /**
     * The modules a {@code PeftModel} registers as its children, under PEFT's names: a tuner is
     * {@code base_model} (with the user's model at {@code base_model.model}); prompt learning puts
     * the user's model at {@code base_model} and its encoders at {@code prompt_encoder}.
     */
    Map<String, Block> peftModelChildren();

    /** The user's model, with this host's adapter layers in place. */
    Block model();

    /** The configs by adapter name, in the order the adapters were added. */
    Map<String, PeftConfig> configs();

    /** The adapter that forward uses and training updates. */
    String activeAdapter();

    /** Adds adapter {@code name} (active if it is the first); its weights are drawn from {@code rnd}. */
    void addAdapter(String name, PeftConfig config, Random rnd);

    /** Makes {@code name} the adapter that runs and, unless in inference mode, trains. */
    void setAdapter(String name);

    /** Removes adapter {@code name} and its weights. */
    void deleteAdapter(String name);

    /** Switches every adapter off (the model computes as its base) or on again. */
    void enableAdapters(boolean enabled);

    /** Whether adapters are switched off by {@link #enableAdapters}. */
    boolean adaptersDisabled();

    /**
     * Wraps the modules of the model whose path ends with one of {@code names} so that {@code
     * adapter} trains its own copy of them (PEFT's {@code _set_trainable}, as task models use for
     * their heads).
     */
    void wrapModulesToSave(String adapter, List<String> names);

    /** Saved key → parameter of adapter {@code adapter}: what a save writes and a load fills. */
    Map<String, Parameter> stateDict(String adapter);

    /**
     * Saved tensors whose value is computed rather than read from {@link #stateDict}'s parameter
     * (prompt learning saves its encoder's output), as new arrays on {@code manager}.
     */
    default Map<String, NDArray> computedTensors(String adapter, NDManager manager) {
        return Map.of();
    }

    /**
     * Whether {@code key} of {@link #stateDict} may be absent from an adapter file (PEFT loads with
     * {@code strict=False}): biases, and whatever a method saves only on request (LoRA's embedding tables).
     */
    default boolean optionalInFile(String adapter, String key) {
        return key.endsWith("bias");
    }

    /** The manager holding the base model's weights, where loaded adapter weights belong too. */
    NDManager weightsManager();

    /**
     * Gives the model back with no adapter module in it, as before this host wrapped it (after a
     * failed load). Trainable flags are the caller's to restore.
     */
    void restore();

    /** Adds the given adapters (the active one when empty) into the base weights. */
    default void merge(List<String> adapterNames, boolean safe) {
        throw notMergeable("mergeAdapter");
    }

    /** Takes merged adapters back out of the base weights. */
    default void unmerge() {
        throw notMergeable("unmergeAdapter");
    }

    /**
     * Puts plain layers back (merged first when {@code merge}) and returns the model, which then
     * holds no PEFT module (PEFT's {@code merge_and_unload} and {@code unload}).
     */
    default Block unload(boolean merge, boolean safe) {
        throw notMergeable(merge ? "mergeAndUnload" : "unload");
    }

    /** The model's forward with the adapters in place, for hosts whose adapters sit inside the model. */
    default NDList forward(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("call the typed forward of PeftModelForCausalLM or "
                + "PeftModelForSequenceClassification: virtual tokens need to know which input is which");
    }

    /**
     * Opens a {@link MixedBatch} for one forward (or {@code generate}) with PEFT's {@code adapter_names}: one
     * adapter name per row, {@value MixedBatch#BASE} for none. Checks the request first; hosts that cannot mix
     * adapters in a batch refuse (PEFT 0.10 supports it for LoRA only).
     *
     * @param rows the batch size, or -1 when the caller does not know it (the layers check it then)
     * @param training whether the forward runs in training mode, where PEFT refuses {@code adapter_names}
     * @throws UnsupportedOperationException for a method without mixed batches
     */
    default MixedBatch.Scope mixedBatch(List<String> adapterNames, long rows, boolean training) {
        PeftConfig c = configs().get(activeAdapter());
        throw new UnsupportedOperationException("adapter_names (a mixed-adapter batch) is supported for LoRA"
                + " adapters only, as in PEFT 0.10, not for "
                + (c == null ? "these" : c.peftType().toString())
                + " adapters");
    }

    private UnsupportedOperationException notMergeable(String what) {
        PeftConfig c = configs().get(activeAdapter());
        return new UnsupportedOperationException(what + " is not available for "
                + (c == null ? "these" : c.peftType().toString()) + " adapters");
    }
}
