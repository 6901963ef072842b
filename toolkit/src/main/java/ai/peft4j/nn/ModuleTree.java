package ai.peft4j.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Walks any DJL block tree the way PyTorch walks {@code nn.Module}s: by dotted paths that equal
 * state-dict prefixes.
 *
 * <p>Names come from {@link ModuleBlock#namedChildren()} for the toolkit's own blocks. For a
 * user's plain DJL blocks, children of a {@link SequentialBlock} or {@link ParallelBlock} are
 * named {@code 0}, {@code 1}, ... like {@code nn.Sequential}; other blocks' children keep DJL's
 * name without its two-digit prefix. DJL's parameter names {@code gamma}/{@code beta}/{@code
 * embedding} read as PyTorch's {@code weight}/{@code bias}/{@code weight}.
 *
 * <pre>{@code
 * Block mlp = new SequentialBlock().add(Linear.builder().setUnits(20).build())
 *     .add(Activation::relu).add(Linear.builder().setUnits(2).build());
 * mlp.initialize(manager, DataType.FLOAT32, new Shape(1, 10));
 * ModuleTree.namedParameters(mlp).keySet();   // [0.weight, 0.bias, 2.weight, 2.bias]
 * }</pre>
 */
public final class ModuleTree {

    private ModuleTree() {}

    /** The direct children of {@code block} under their PyTorch names, in order. */
    public static Map<String, Block> children(Block block) {
        if (block instanceof ModuleBlock) {
            return ((ModuleBlock) block).namedChildren();
        }
        BlockList list = block.getChildren();
        Map<String, Block> out = new LinkedHashMap<>();
        boolean indexed = block instanceof SequentialBlock || block instanceof ParallelBlock;
        for (int i = 0; i < list.size(); i++) {
            String name = indexed ? Integer.toString(i) : stripDjlIndex(list.keyAt(i));
            out.put(name, list.valueAt(i));
        }
        return out;
    }

    /** The direct parameters of {@code block} under their PyTorch names, in order. */
    public static Map<String, Parameter> directParameters(Block block) {
        if (block instanceof ModuleBlock) {
            return ((ModuleBlock) block).namedDirectParameters();
        }
        Map<String, Parameter> out = new LinkedHashMap<>();
        block.getDirectParameters().forEach(p -> out.put(torchParamName(p.getKey()), p.getValue()));
        return out;
    }

    /** Every module, the root first under {@code ""}, in PyTorch's {@code named_modules} order. */
    public static Map<String, Block> namedModules(Block root) {
        Map<String, Block> out = new LinkedHashMap<>();
        visit(root, "", out);
        return out;
    }

    private static void visit(Block block, String path, Map<String, Block> out) {
        out.put(path, block);
        for (Map.Entry<String, Block> e : children(block).entrySet()) {
            visit(e.getValue(), join(path, e.getKey()), out);
        }
    }

    /**
     * Every parameter under its state-dict key, in state-dict order. A tied parameter appears under
     * each of its keys, as in PyTorch's {@code state_dict()}.
     */
    public static Map<String, Parameter> namedParameters(Block root) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Map.Entry<String, Block> m : namedModules(root).entrySet()) {
            for (Map.Entry<String, Parameter> p : directParameters(m.getValue()).entrySet()) {
                out.put(join(m.getKey(), p.getKey()), p.getValue());
            }
        }
        return out;
    }

    /** The distinct parameters (tied ones once), keyed by their first state-dict key. */
    public static Map<String, Parameter> uniqueParameters(Block root) {
        Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<String, Parameter> out = new LinkedHashMap<>();
        namedParameters(root).forEach((k, p) -> {
            if (seen.add(p)) {
                out.put(k, p);
            }
        });
        return out;
    }

    /** The module at {@code path} ({@code ""} is the root). */
    public static Block get(Block root, String path) {
        Block current = root;
        if (path.isEmpty()) {
            return current;
        }
        String walked = "";
        for (String part : path.split("\\.", -1)) {
            Block next = children(current).get(part);
            if (next == null) {
                throw new IllegalArgumentException(
                        "no module '" + path + "': '" + (walked.isEmpty() ? "<root>" : walked) + "' has no child '"
                                + part + "' (children: " + children(current).keySet() + ")");
            }
            current = next;
            walked = join(walked, part);
        }
        return current;
    }

    /** Whether a module exists at {@code path}. */
    public static boolean contains(Block root, String path) {
        return namedModules(root).containsKey(path);
    }

    /**
     * Puts {@code replacement} where the module at {@code path} was and returns the old module.
     *
     * <p>For the toolkit's blocks this is {@link ModuleBlock#replaceChild}. For a plain DJL parent,
     * the entry in its child list is swapped, and so is any field of the parent that held the old
     * child, so that both DJL's generic forward ({@code SequentialBlock}) and hand-written forwards
     * see the new block.
     */
    public static Block replace(Block root, String path, Block replacement) {
        int dot = path.lastIndexOf('.');
        if (path.isEmpty()) {
            throw new IllegalArgumentException("cannot replace the root module");
        }
        Block parent = get(root, dot < 0 ? "" : path.substring(0, dot));
        String name = path.substring(dot + 1);
        if (parent instanceof ModuleBlock) {
            return ((ModuleBlock) parent).replaceChild(name, replacement);
        }
        Block old = get(parent, name);
        replaceInDjlBlock(parent, old, replacement, path);
        return old;
    }

    private static void replaceInDjlBlock(Block parent, Block old, Block replacement, String path) {
        if (!(parent instanceof AbstractBlock)) {
            throw new IllegalArgumentException("cannot replace '" + path + "': its parent "
                    + parent.getClass().getName() + " is not a DJL AbstractBlock");
        }
        try {
            Field f = AbstractBlock.class.getDeclaredField("children");
            f.setAccessible(true);
            BlockList list = (BlockList) f.get(parent);
            for (int i = 0; i < list.size(); i++) {
                if (list.valueAt(i) == old) {
                    String key = list.keyAt(i);
                    list.remove(i);
                    list.add(i, key, replacement);
                    break;
                }
            }
            for (Class<?> c = parent.getClass(); c != AbstractBlock.class; c = c.getSuperclass()) {
                for (Field field : c.getDeclaredFields()) {
                    if (Modifier.isStatic(field.getModifiers())
                            || field.getType().isPrimitive()) {
                        continue;
                    }
                    field.setAccessible(true);
                    if (field.get(parent) == old) {
                        if (!field.getType().isInstance(replacement)) {
                            throw new IllegalArgumentException(
                                    "cannot replace '" + path + "': field " + c.getSimpleName() + "."
                                            + field.getName() + " is declared as "
                                            + field.getType().getSimpleName()
                                            + "; declare it as Block so that adapters can be injected");
                        }
                        if (Modifier.isFinal(field.getModifiers())) {
                            throw new IllegalArgumentException(
                                    "cannot replace '" + path + "': field " + c.getSimpleName() + "."
                                            + field.getName() + " is final; make it non-final or use a"
                                            + " SequentialBlock so that adapters can be injected");
                        }
                        field.set(parent, replacement);
                    }
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw (IllegalArgumentException) e;
            }
            throw new IllegalStateException("cannot replace '" + path + "' in a DJL block: " + e, e);
        }
    }

    /** Number of parameter elements, tied parameters counted once, computed from shapes only. */
    public static long countParameters(Block root) {
        return countParameters(root, p -> true);
    }

    /** Number of trainable parameter elements (those that require a gradient). */
    public static long countTrainableParameters(Block root) {
        return countParameters(root, Parameter::requiresGradient);
    }

    /** Number of elements of the distinct parameters accepted by {@code filter}. */
    public static long countParameters(Block root, Predicate<Parameter> filter) {
        long n = 0;
        for (Map.Entry<String, Parameter> e : uniqueParameters(root).entrySet()) {
            if (filter.test(e.getValue())) {
                n += shapeOf(e.getKey(), e.getValue()).size();
            }
        }
        return n;
    }

    /** The shape of a parameter, from its declaration or its array. */
    public static Shape shapeOf(String key, Parameter p) {
        Shape s = p.getShape();
        if (s == null && p.isInitialized()) {
            s = p.getArray().getShape();
        }
        if (s == null) {
            throw new IllegalStateException("parameter '" + key + "' has no shape yet; initialize the DJL block first"
                    + " (block.initialize(manager, DataType.FLOAT32, inputShape))");
        }
        return s;
    }

    /**
     * The manager that holds the weights of {@code root} (that of its first parameter with a value).
     *
     * @throws IllegalStateException when no parameter has a value yet
     */
    public static ai.djl.ndarray.NDManager weightsManager(Block root) {
        for (Parameter p : uniqueParameters(root).values()) {
            if (p.isInitialized()) {
                return p.getArray().getManager();
            }
        }
        throw new IllegalStateException(
                "the base model has no weights yet; load or initialize it before loading an adapter");
    }

    /** A PyTorch-like printout of the tree, one module per line. */
    public static String describe(Block root) {
        StringBuilder sb = new StringBuilder();
        describe(root, "", 0, sb);
        return sb.toString();
    }

    private static void describe(Block block, String name, int depth, StringBuilder sb) {
        String indent = "  ".repeat(depth);
        Map<String, Block> kids = children(block);
        String head = name.isEmpty() ? "" : "(" + name + "): ";
        if (kids.isEmpty()) {
            String extra = block instanceof ModuleBlock ? ((ModuleBlock) block).extraRepr() : djlRepr(block);
            sb.append(indent)
                    .append(head)
                    .append(block.getClass().getSimpleName())
                    .append('(')
                    .append(extra)
                    .append(")\n");
            return;
        }
        sb.append(indent).append(head).append(block.getClass().getSimpleName()).append("(\n");
        for (Map.Entry<String, Block> e : kids.entrySet()) {
            describe(e.getValue(), e.getKey(), depth + 1, sb);
        }
        sb.append(indent).append(")\n");
    }

    /** PyTorch's wording for DJL's own linear layer; other DJL blocks show no arguments. */
    private static String djlRepr(Block block) {
        Parameter w = directParameters(block).get("weight");
        if (block instanceof ai.djl.nn.core.Linear && w != null && w.getShape() != null) {
            return "in_features=" + w.getShape().get(1) + ", out_features="
                    + w.getShape().get(0) + ", bias="
                    + (directParameters(block).containsKey("bias") ? "True" : "False");
        }
        return "";
    }

    /** Module names that are leaves or direct owners of parameters: handy in error messages. */
    public static List<String> leafNames(Block root) {
        List<String> out = new ArrayList<>();
        namedModules(root).forEach((k, b) -> {
            if (!k.isEmpty() && children(b).isEmpty()) {
                out.add(k);
            }
        });
        return out;
    }

    static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    private static String stripDjlIndex(String key) {
        return key.length() > 2 && Character.isDigit(key.charAt(0)) && Character.isDigit(key.charAt(1))
                ? key.substring(2)
                : key;
    }

    private static String torchParamName(String djlName) {
        switch (djlName) {
            case "gamma":
            case "embedding":
                return "weight";
            case "beta":
                return "bias";
            default:
                return djlName;
        }
    }
}
