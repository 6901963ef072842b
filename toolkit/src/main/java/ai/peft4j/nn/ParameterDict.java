package ai.peft4j.nn;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Collections;
import java.util.Set;

/**
 * PyTorch's {@code nn.ParameterDict}: parameters under string keys, which become the last segment
 * of their state-dict names. PEFT keys such dicts by adapter name, which is why IA3's in-memory
 * keys read {@code …q_proj.ia3_l.default}. No forward of its own.
 *
 * <pre>{@code
 * ParameterDict ia3L = addModule("ia3_l", new ParameterDict());
 * ia3L.put("default", Parameter.builder().setName("default").optShape(new Shape(16, 1)).build());
 * ModuleTree.namedParameters(layer).keySet();   // [..., ia3_l.default]
 * }</pre>
 */
public class ParameterDict extends ModuleBlock {

    /** Adds {@code parameter} under {@code key}; the key must be new. */
    public Parameter put(String key, Parameter parameter) {
        return addParam(key, parameter);
    }

    /** Adds a new weight of {@code shape} under {@code key} and returns it; the key must be new. */
    public Parameter put(String key, ai.djl.ndarray.types.Shape shape) {
        return put(
                key,
                Parameter.builder()
                        .setName(key)
                        .setType(Parameter.Type.WEIGHT)
                        .optShape(shape)
                        .build());
    }

    /** The parameter under {@code key}, or null. */
    public Parameter get(String key) {
        return namedDirectParameters().get(key);
    }

    /** Removes and returns the parameter under {@code key}. */
    public Parameter remove(String key) {
        return removeParam(key);
    }

    public boolean containsKey(String key) {
        return namedDirectParameters().containsKey(key);
    }

    /** The keys, in insertion order (read-only). */
    public Set<String> keySet() {
        return Collections.unmodifiableSet(namedDirectParameters().keySet());
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("a ParameterDict is used by its owner");
    }
}
