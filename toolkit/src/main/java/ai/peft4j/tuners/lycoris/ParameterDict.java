package ai.peft4j.tuners.lycoris;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.ModuleBlock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PyTorch's {@code nn.ParameterDict}: parameters keyed by adapter name, so that a layer's attribute {@code hada_w1_a}
 * holding adapter {@code default} gives the state-dict name {@code hada_w1_a.default}. Immutable: {@link #with} and
 * {@link #without} return a new dict, which the owning layer swaps in with {@code replaceChild}.
 *
 * <pre>{@code
 * ParameterDict d = ParameterDict.empty().with("default", p);   // d.get("default") == p
 * }</pre>
 */
public final class ParameterDict extends ModuleBlock {

  /** A new dict with no parameters. */
  public static ParameterDict empty() {
    return new ParameterDict(Map.of());
  }

  private ParameterDict(Map<String, Parameter> params) {
    params.forEach(this::addParam);
  }

  /** The parameter under {@code name}, or {@code null}. */
  public Parameter get(String name) {
    return namedDirectParameters().get(name);
  }

  /** A copy with {@code parameter} added under {@code name}. */
  public ParameterDict with(String name, Parameter parameter) {
    Map<String, Parameter> m = new LinkedHashMap<>(namedDirectParameters());
    m.put(name, parameter);
    return new ParameterDict(m);
  }

  /** A copy without {@code name}. */
  public ParameterDict without(String name) {
    Map<String, Parameter> m = new LinkedHashMap<>(namedDirectParameters());
    m.remove(name);
    return new ParameterDict(Collections.unmodifiableMap(m));
  }

  /** A parameter dict is never called. */
  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    throw new UnsupportedOperationException("a ParameterDict holds parameters and has no forward");
  }
}
