package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A DJL block that behaves like a PyTorch {@code nn.Module}: children and parameters have the
 * names of the Hugging Face state dict, and children can be replaced by name.
 *
 * <p>DJL's {@link AbstractBlock} prefixes child names with a two-digit index and offers no way to
 * swap a child; PEFT's injection needs exactly that. Subclasses register children with {@link
 * #addModule} and parameters with {@link #addParam}, both under their PyTorch names; the DJL
 * bookkeeping is kept in step so that DJL's trainers and optimizers see the same tree.
 *
 * <p>Parameters get their shape at construction, so a whole model can be built and counted
 * before any weight exists; {@link ModuleTree#initialize} or a weight loader fills them.
 *
 * <p>Forward code must put the step's input first in every operation ({@code
 * Linear.linear(x, weight, bias)}, not {@code weight.matMul(x)}): a result lives on the manager of
 * its first operand, and only the step's manager is freed after the step.
 */
public abstract class ModuleBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final Map<String, Block> modules = new LinkedHashMap<>();
    private final Map<String, Parameter> params = new LinkedHashMap<>();

    protected ModuleBlock() {
        super(VERSION);
    }

    /** Registers a child under its PyTorch attribute name and returns it. */
    protected final <B extends Block> B addModule(String name, B block) {
        Objects.requireNonNull(block, "block");
        if (modules.containsKey(name)) {
            throw new IllegalArgumentException("duplicate module name '" + name + "'");
        }
        modules.put(name, block);
        addChildBlock(name, block);
        return block;
    }

    /** Declares a parameter of known shape under its PyTorch name ("weight", "bias", ...). */
    protected final Parameter addParam(String name, Parameter.Type type, Shape shape) {
        Parameter p =
                Parameter.builder().setName(name).setType(type).optShape(shape).build();
        return addParam(name, p);
    }

    /**
     * Registers an existing parameter under a name, which is how weights are tied: the same {@link
     * Parameter} object then appears under two paths, as in a PyTorch state dict.
     */
    protected final Parameter addParam(String name, Parameter parameter) {
        if (params.containsKey(name)) {
            throw new IllegalArgumentException("duplicate parameter name '" + name + "'");
        }
        params.put(name, parameter);
        addParameter(parameter);
        return parameter;
    }

    /** The direct children by PyTorch name, in registration order (read-only). */
    public final Map<String, Block> namedChildren() {
        return Collections.unmodifiableMap(modules);
    }

    /** The direct parameters by PyTorch name, in registration order (read-only). */
    public final Map<String, Parameter> namedDirectParameters() {
        return Collections.unmodifiableMap(params);
    }

    /**
     * Replaces the child called {@code name} and returns the old one. The DJL child list is updated
     * in place, so {@link #getChildren()}, parameter iteration and {@link #call} see the new block;
     * subclasses that keep a field for the child must override {@link #onChildReplaced}.
     */
    public Block replaceChild(String name, Block replacement) {
        Objects.requireNonNull(replacement, "replacement");
        Block old = modules.get(name);
        if (old == null) {
            throw new IllegalArgumentException(
                    "no child '" + name + "' in " + getClass().getSimpleName() + "; children: " + modules.keySet());
        }
        int index = -1;
        for (int i = 0; i < children.size(); i++) {
            if (children.valueAt(i) == old) {
                index = i;
                break;
            }
        }
        String key = children.keyAt(index);
        children.remove(index);
        children.add(index, key, replacement);
        modules.put(name, replacement);
        onChildReplaced(name, old, replacement);
        return old;
    }

    /** Removes the child called {@code name} and returns it (PyTorch's {@code del m[name]}). */
    protected final Block removeModule(String name) {
        Block old = modules.remove(name);
        if (old == null) {
            throw new IllegalArgumentException(
                    "no child '" + name + "' in " + getClass().getSimpleName() + "; children: " + modules.keySet());
        }
        for (int i = 0; i < children.size(); i++) {
            if (children.valueAt(i) == old) {
                children.remove(i);
                break;
            }
        }
        return old;
    }

    /** Removes the parameter called {@code name} and returns it (PyTorch's {@code del m.name}). */
    protected final Parameter removeParam(String name) {
        Parameter old = params.remove(name);
        if (old == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' in "
                    + getClass().getSimpleName() + "; parameters: " + params.keySet());
        }
        parameters.values().removeIf(p -> p == old);
        return old;
    }

    /** Called after {@link #replaceChild}; subclasses holding the child in a field update it. */
    protected void onChildReplaced(String name, Block old, Block replacement) {}

    /** The current child called {@code name} (after any replacement). */
    protected final Block module(String name) {
        Block b = modules.get(name);
        if (b == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " has no child '" + name + "'");
        }
        return b;
    }

    /**
     * Runs the child called {@code name} through DJL's generic forward. Going through the module
     * map rather than a field means an injected adapter or a trainable copy is what runs.
     */
    protected final NDArray call(String name, ParameterStore ps, boolean training, NDArray... in) {
        return module(name).forward(ps, new NDList(in), training).singletonOrThrow();
    }

    /** The input at {@code index} of DJL's generic forward, or null when fewer were given (an optional input). */
    protected static NDArray optionalInput(NDList inputs, int index) {
        return inputs.size() > index ? inputs.get(index) : null;
    }

    /**
     * Fetches a parameter's value for this forward pass (on the store's device). The store owns what
     * it returns (a copy it makes for another device is cached there for later steps), so no {@link
     * ForwardScope} may close it.
     */
    protected static NDArray value(ParameterStore ps, Parameter p, NDArray like, boolean training) {
        if (p == null) {
            return null;
        }
        NDArray v = ps.getValue(p, like.getDevice(), training);
        NDScope.unregister(v);
        return v;
    }

    /** {@inheritDoc} Parameters have explicit shapes here; input shapes are not needed. */
    @Override
    public boolean isInitialized() {
        for (Parameter p : getParameters().values()) {
            if (!p.isInitialized()) {
                return false;
            }
        }
        return true;
    }

    /** {@inheritDoc} */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        beforeInitialize(inputShapes);
        for (Parameter p : getDirectParameters().values()) {
            p.initialize(manager, dataType);
        }
        initializeChildBlocks(manager, dataType, inputShapes);
    }

    /** {@inheritDoc} Children of a module know their own shapes. */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        for (Block child : modules.values()) {
            child.initialize(manager, dataType, shapes);
        }
    }

    /** The text between the parentheses of this module's one-line PyTorch-style repr. */
    protected String extraRepr() {
        return "";
    }

    /** Throws: a module is called through its owner unless a subclass knows its output shape. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " does not compute output shapes from input shapes");
    }

    /** A PyTorch-style printout of this module and its children. */
    @Override
    public String toString() {
        return ModuleTree.describe(this);
    }
}
