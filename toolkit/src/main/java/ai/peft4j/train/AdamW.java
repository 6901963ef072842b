package ai.peft4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.peft4j.nn.GradMode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * PyTorch's {@code torch.optim.AdamW} over NDArrays, for the trainable parameters only:
 *
 * <pre>
 * p ← p − lr·λ·p                    (decoupled weight decay, only for decayed parameters)
 * m ← β₁ m + (1 − β₁) g
 * v ← β₂ v + (1 − β₂) g²
 * p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 * </pre>
 *
 * <p>The moments are FP32 arrays on this optimizer's own manager, on each parameter's device. All
 * temporaries of a step live on the caller's step manager.
 */
public final class AdamW implements AutoCloseable {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Set<String> decayed;
    private final NDManager manager;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private long step;

    /**
     * @param decayed the parameter keys that get weight decay (transformers exempts biases and
     *     LayerNorm weights)
     */
    public AdamW(double beta1, double beta2, double eps, double weightDecay, Set<String> decayed, NDManager parent) {
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(eps >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("eps and weight decay must be >= 0");
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decayed = Set.copyOf(decayed);
        this.manager = parent.newSubManager();
        this.manager.setName("AdamW");
    }

    /** The number of updates done so far (PyTorch's per-parameter {@code state["step"]}). */
    public long stepCount() {
        return step;
    }

    public double weightDecay() {
        return weightDecay;
    }

    /** Whether {@code key} gets weight decay. */
    public boolean isDecayed(String key) {
        return decayed.contains(key);
    }

    /**
     * One update of every parameter in {@code params} with its gradient from {@code grads} (same
     * keys), in place. Temporaries are created on {@code scope}, which the caller closes.
     */
    public void step(Map<String, Parameter> params, Map<String, NDArray> grads, double lr, NDManager scope) {
        try (GradMode.Scope noGrad = GradMode.off()) {
            update(params, grads, lr, scope);
        }
    }

    private void update(Map<String, Parameter> params, Map<String, NDArray> grads, double lr, NDManager scope) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        double stepSize = lr / bc1;
        double sqrtBc2 = Math.sqrt(bc2);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String key = e.getKey();
            NDArray p = e.getValue().getArray();
            NDArray g = grads.get(key);
            if (g == null) {
                continue;
            }
            NDArray m = expAvg.computeIfAbsent(key, k -> zerosLike(p));
            NDArray v = expAvgSq.computeIfAbsent(key, k -> zerosLike(p));
            try (NDManager local = scope.newSubManager(p.getDevice())) {
                local.tempAttachAll(p, m, v, g);
                NDArray g32 = g.getDataType() == DataType.FLOAT32 ? g : g.toType(DataType.FLOAT32, false);
                if (weightDecay != 0 && decayed.contains(key)) {
                    p.muli(1 - lr * weightDecay);
                }
                m.muli(beta1).addi(g32.mul(1 - beta1));
                v.muli(beta2).addi(g32.square().muli(1 - beta2));
                NDArray denom = v.sqrt().divi(sqrtBc2).addi(eps);
                NDArray update = m.div(denom).muli(stepSize);
                p.subi(update.toType(p.getDataType(), false));
            }
        }
    }

    private NDArray zerosLike(NDArray p) {
        NDArray z = manager.zeros(p.getShape(), DataType.FLOAT32, p.getDevice());
        z.setName("adamw_state");
        return z;
    }

    /** The first moments by parameter key (live arrays, do not close). */
    public Map<String, NDArray> expAvg() {
        return expAvg;
    }

    /** The second moments by parameter key (live arrays, do not close). */
    public Map<String, NDArray> expAvgSq() {
        return expAvgSq;
    }

    /** Restores state saved from {@link #expAvg()}, {@link #expAvgSq()} and {@link #stepCount()}. */
    public void load(long stepCount, Map<String, float[]> m, Map<String, float[]> v, Map<String, Parameter> params) {
        for (NDArray a : expAvg.values()) {
            a.close();
        }
        for (NDArray a : expAvgSq.values()) {
            a.close();
        }
        expAvg.clear();
        expAvgSq.clear();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray p = e.getValue().getArray();
            float[] mv = m.get(e.getKey());
            float[] vv = v.get(e.getKey());
            if (mv == null || vv == null) {
                continue;
            }
            expAvg.put(e.getKey(), onDevice(manager.create(mv, p.getShape()), p));
            expAvgSq.put(e.getKey(), onDevice(manager.create(vv, p.getShape()), p));
        }
        this.step = stepCount;
    }

    private static NDArray onDevice(NDArray a, NDArray like) {
        if (a.getDevice().equals(like.getDevice())) {
            return a;
        }
        NDArray moved = a.toDevice(like.getDevice(), true);
        a.close();
        return moved;
    }

    /** Frees the moments. */
    @Override
    public void close() {
        manager.close();
        expAvg.clear();
        expAvgSq.clear();
    }
}
