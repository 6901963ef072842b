package ai.peft4j.tuners;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.BlockCopies;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.ModuleDict;
import ai.peft4j.nn.ModuleTree;
import java.util.Collection;
import java.util.List;

/**
 * PEFT's {@code ModulesToSaveWrapper}: keeps the frozen {@code original_module} and one trainable
 * copy per adapter under {@code modules_to_save.<name>}; forward runs the active adapter's copy.
 * Used for heads that a fine-tune must change entirely, such as a classifier.
 */
public class ModulesToSaveWrapper extends ModuleBlock {

    private final ModuleDict<Block> copies;
    private String activeAdapter;
    private boolean disabled;

    public ModulesToSaveWrapper(Block original, String adapterName) {
        addModule("original_module", original);
        copies = addModule("modules_to_save", new ModuleDict<>());
        original.getParameters().values().forEach(p -> p.freeze(true));
        update(adapterName);
        activeAdapter = adapterName;
    }

    /** Adds a trainable copy of the original for {@code adapterName}. */
    public void update(String adapterName) {
        if (!copies.containsKey(adapterName)) {
            Block copy = copies.put(adapterName, BlockCopies.copy(originalModule()));
            copy.getParameters().values().forEach(p -> p.freeze(false));
        }
    }

    public Block originalModule() {
        return module("original_module");
    }

    /** The copy for {@code adapterName}, or null. */
    public Block copyFor(String adapterName) {
        return copies.get(adapterName);
    }

    /** Makes {@code adapterName}'s copy the one that runs; only it stays trainable. */
    public void setAdapter(String adapterName) {
        if (!copies.containsKey(adapterName)) {
            return; // PEFT leaves wrappers of other adapters alone
        }
        copies.asMap().forEach((name, block) -> {
            for (Parameter p : block.getParameters().values()) {
                p.freeze(!name.equals(adapterName));
            }
        });
        activeAdapter = adapterName;
    }

    public String activeAdapter() {
        return activeAdapter;
    }

    /** Removes {@code adapterName}'s copy. */
    public void deleteAdapter(String adapterName) {
        if (copies.containsKey(adapterName)) {
            copies.remove(adapterName).getParameters().values().forEach(Parameter::close);
        }
    }

    public boolean isEmpty() {
        return copies.asMap().isEmpty();
    }

    public void setEnabled(boolean enabled) {
        disabled = !enabled;
    }

    /** The block forward currently runs. */
    public Block current() {
        Block copy = copies.get(activeAdapter);
        return disabled || copy == null ? originalModule() : copy;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return current().forward(ps, inputs, training);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return originalModule().getOutputShapes(inputShapes);
    }

    /**
     * PEFT's {@code _set_trainable}: wraps every module of {@code root} named in {@code names} (a
     * whole path, or its last dotted segments) in a wrapper holding {@code adapter}'s trainable copy;
     * a module already wrapped gets a copy for {@code adapter}. Modules inside adapter layers or
     * inside existing wrappers are left alone.
     */
    public static void wrapAll(Block root, Collection<String> names, String adapter) {
        if (names.isEmpty()) {
            return;
        }
        for (String key : List.copyOf(ModuleTree.namedModules(root).keySet())) {
            boolean wanted = names.stream().anyMatch(n -> key.equals(n) || key.endsWith("." + n));
            if (key.isEmpty() || !wanted || insideAdapterModule(root, key)) {
                continue;
            }
            Block target = ModuleTree.get(root, key);
            if (target instanceof ModulesToSaveWrapper) {
                ((ModulesToSaveWrapper) target).update(adapter);
            } else {
                ModuleTree.replace(root, key, new ModulesToSaveWrapper(target, adapter));
            }
        }
    }

    /** PEFT's saved key for {@code adapter}'s copy in the modules_to_save wrapper at {@code path}. */
    public static String savedCopyKey(String key, String wrapperPath, String adapter) {
        String copy = wrapperPath + ".modules_to_save." + adapter + ".";
        return key.startsWith(copy) ? wrapperPath + "." + key.substring(copy.length()) : null;
    }

    /** Whether {@code path} lies inside a tuner layer or a modules_to_save wrapper of {@code root}. */
    public static boolean insideAdapterModule(Block root, String path) {
        String p = path;
        for (int dot = p.lastIndexOf('.'); dot > 0; dot = p.lastIndexOf('.')) {
            p = p.substring(0, dot);
            Block b = ModuleTree.get(root, p);
            if (b instanceof TunerLayer || b instanceof ModulesToSaveWrapper) {
                return true;
            }
        }
        return false;
    }

    /** Paths of all wrappers in {@code root}. */
    public static java.util.Map<String, ModulesToSaveWrapper> find(Block root) {
        java.util.Map<String, ModulesToSaveWrapper> out = new java.util.LinkedHashMap<>();
        ModuleTree.namedModules(root).forEach((k, b) -> {
            if (b instanceof ModulesToSaveWrapper) {
                out.put(k, (ModulesToSaveWrapper) b);
            }
        });
        return out;
    }
}
