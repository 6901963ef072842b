package ai.peft4j.tuners;

import ai.djl.nn.Block;
import java.util.Random;

/**
 * One kind of tuner layer a method can put on one kind of module (PEFT's per-layer dispatch in
 * {@code _create_new_module}): "can I wrap this module for this config?", then "wrap it". A method
 * hands the {@link Injector} an ordered list of these; the first that {@link #accepts} a target
 * wraps it. Supporting a new layer type, or a new method, means adding a factory to a list.
 *
 * <pre>{@code
 * LayerFactory<LoraConfig> f = LoraLayerFactory.CONV1D;
 * Block c_attn = ModuleTree.get(gpt2, "transformer.h.0.attn.c_attn");
 * if (f.accepts(c_attn, config)) {
 *   TunerLayer layer = f.inject("transformer.h.0.attn.c_attn", c_attn, "default", config, rnd);
 *   ModuleTree.replace(gpt2, "transformer.h.0.attn.c_attn", (Block) layer);   // the Injector does this
 * }
 * }</pre>
 *
 * @param <C> the method's config
 */
public interface LayerFactory<C> {

    /**
     * Whether this factory can add {@code config}'s adapter at {@code target}: a plain module, or a
     * tuner layer this factory made earlier (for a second adapter). Must not change anything.
     */
    boolean accepts(Block target, C config);

    /**
     * Adds adapter {@code adapter} at {@code path}, where {@code target} sits and was {@link
     * #accepts accepted}. Returns the layer that must sit at {@code path} afterwards: a new tuner
     * layer wrapping a plain {@code target}, or {@code target} itself when it was already a tuner
     * layer (the adapter is then added to it).
     */
    TunerLayer inject(String path, Block target, String adapter, C config, Random rnd);

    /** What this factory wraps, for messages ("Linear", "Conv1D"). */
    String description();
}
