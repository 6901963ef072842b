package ai.peft4j.tuners.adalora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.peft4j.nn.GradMode;
import ai.peft4j.nn.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEFT 0.10's {@code RankAllocator} for one trainable AdaLoRA adapter: it smooths each weight's sensitivity {@code
 * |w · ∂L/∂w|} with an EMA ({@code beta1}) and its uncertainty with another ({@code beta2}), scores every singular
 * triplet (E entry, A row, B column) by the EMA products, and zeroes the E entries of the lowest-scored triplets so
 * that the kept ones fit the budget of the step. The budget is {@code init_r} per layer up to step {@code tinit}, then
 * falls on a cubic schedule to {@code target_r} per layer at step {@code total_step - tfinal}; a mask is applied every
 * {@code deltaT} steps on the way. {@link AdaLoraModel#updateAndAllocate} drives it after each optimizer step.
 *
 * <pre>{@code
 * RankAllocator ra = adaLoraModel.rankAllocator();
 * ra.budgetSchedule(0);     // Budget[budget=72, mask=false] for 12 layers of init_r 6 with tinit 1
 * ra.budgetSchedule(2);     // Budget[budget=38, mask=true]
 * }</pre>
 *
 * <p>Its EMAs live on a manager of their own beside the adapter weights, freed by {@link #close()} (and when the
 * final pattern is fixed, as PEFT's {@code reset_ipt}).
 */
public final class RankAllocator implements AutoCloseable {

    /** The budget of one step (the number of singular values kept over all layers) and whether to mask then. */
    public record Budget(int budget, boolean mask) {}

    private final AdaLoraConfig config;
    private final String adapter;
    private final Map<String, SVDLinear> layers;
    private final int initBudget;
    private final int targetBudget;
    private NDManager state;
    private final Map<Parameter, NDArray> expAvgIpt = new IdentityHashMap<>();
    private final Map<Parameter, NDArray> expAvgUnc = new IdentityHashMap<>();

    /**
     * @param layers the layers holding {@code adapter}, by path relative to the model (PEFT's module order)
     */
    RankAllocator(AdaLoraConfig config, String adapter, Map<String, SVDLinear> layers) {
        this.config = config;
        this.adapter = adapter;
        this.layers = new LinkedHashMap<>(layers);
        int init = 0;
        for (SVDLinear l : layers.values()) {
            init += l.adapter(adapter).r();
        }
        this.initBudget = init;
        this.targetBudget = config.targetR() * layers.size();
        if (targetBudget > initBudget) {
            throw new IllegalArgumentException("target_r (" + config.targetR() + ") must not exceed the rank the layers"
                    + " start with (init_r " + config.initR() + "): the allocator only prunes");
        }
    }

    /** PEFT's {@code init_bgt}: the ranks of the adapter's layers, summed. */
    public int initBudget() {
        return initBudget;
    }

    /** PEFT's {@code target_bgt}: {@code target_r} times the number of layers. */
    public int targetBudget() {
        return targetBudget;
    }

    /** PEFT's {@code budget_schedule(step)}. */
    public Budget budgetSchedule(long step) {
        int tinit = config.tinit();
        int tfinal = config.tfinal();
        int total = totalStep();
        if (step <= tinit) {
            return new Budget(initBudget, false);
        }
        if (step > total - tfinal) {
            return new Budget(targetBudget, true);
        }
        double mul = 1 - (double) (step - tinit) / (total - tfinal - tinit);
        int budget = (int) ((initBudget - targetBudget) * Math.pow(mul, 3) + targetBudget);
        return new Budget(budget, step % config.deltaT() == 0);
    }

    private int totalStep() {
        Integer total = config.totalStep();
        if (total == null) {
            throw new IllegalStateException("total_step is not set in the AdaLoraConfig: AdaLoRA lays its rank budget"
                    + " out over the training steps, so set totalStep(...) to the number of optimizer steps");
        }
        return total;
    }

    /**
     * PEFT's {@code RankAllocator.update_and_allocate}: updates the sensitivity EMAs (before step {@code total_step -
     * tfinal}) and, when the schedule masks at {@code step} or {@code forceMask}, prunes to the step's budget.
     *
     * @param gradientsUsable false for a step skipped for overflow: no sensitivity update, and a scheduled (not
     *     forced) mask only once some sensitivity has been recorded
     * @return the new rank pattern by PEFT's in-memory {@code lora_E} names, or {@code null} when nothing was masked
     */
    Map<String, List<Boolean>> updateAndAllocate(long step, boolean forceMask, boolean gradientsUsable) {
        if (gradientsUsable && step < totalStep() - config.tfinal()) {
            updateIpt();
        }
        Budget b = budgetSchedule(step);
        if (forceMask || b.mask() && (gradientsUsable || hasSensitivities())) {
            return maskToBudget(b.budget());
        }
        return null;
    }

    /**
     * Whether sensitivities have been recorded since the allocator was made or last reset (PEFT's {@code ipt} is not
     * empty): false again once the final pattern is fixed.
     */
    public boolean hasSensitivities() {
        return !expAvgIpt.isEmpty();
    }

    private List<Parameter> weights(SVDLinear layer) {
        SVDLinear.Adapter a = layer.adapter(adapter);
        return List.of(a.loraA(), a.loraB(), a.loraE());
    }

    /** PEFT's {@code update_ipt}: {@code ipt = |w · grad|} and its two EMAs, for A, B and E of every layer. */
    void updateIpt() {
        double b1 = config.beta1();
        double b2 = config.beta2();
        try (GradMode.Scope off = GradMode.off()) {
            for (SVDLinear layer : layers.values()) {
                for (Parameter p : weights(layer)) {
                    NDArray w = p.getArray();
                    if (!w.hasGradient()) {
                        throw new IllegalStateException("AdaLoRA's rank allocation reads the gradients of the adapter"
                                + " weights, but " + p.getName() + " has none: call it after backward and the"
                                + " optimizer step, before the gradients are zeroed, with the adapter trainable");
                    }
                    if (state == null) {
                        state = w.getManager().newSubManager(w.getDevice());
                    }
                    try (NDManager tmp = state.newSubManager()) {
                        tmp.tempAttachAll(w);
                        NDArray g = w.getGradient();
                        g.attach(tmp);
                        NDArray ipt = w.mul(g).abs();
                        NDArray oldIpt = expAvgIpt.get(p);
                        NDArray oldUnc = expAvgUnc.get(p);
                        if (oldIpt != null) { // freed with tmp, like the intermediates made from them
                            oldIpt.attach(tmp);
                            oldUnc.attach(tmp);
                        }
                        NDArray ema = oldIpt == null ? tmp.zeros(w.getShape(), w.getDataType()) : oldIpt;
                        NDArray unc = oldUnc == null ? tmp.zeros(w.getShape(), w.getDataType()) : oldUnc;
                        NDArray newIpt = ema.mul(b1).add(ipt.mul(1 - b1));
                        NDArray newUnc = unc.mul(b2).add(ipt.sub(newIpt).abs().mul(1 - b2));
                        newIpt.attach(state);
                        newUnc.attach(state);
                        expAvgIpt.put(p, newIpt);
                        expAvgUnc.put(p, newUnc);
                    }
                }
            }
        }
    }

    /**
     * PEFT's {@code mask_to_budget}: scores every triplet (E's score plus the mean scores of its A row and B
     * column), finds the {@code (initBudget - budget)}-th smallest score and zeroes the E entries scored at or below
     * it. Returns which entries were kept, by PEFT's in-memory name of each {@code lora_E}.
     */
    Map<String, List<Boolean>> maskToBudget(int budget) {
        Map<String, float[]> scores = new LinkedHashMap<>();
        List<Float> all = new ArrayList<>();
        try (GradMode.Scope off = GradMode.off();
                NDManager tmp = NDManager.newBaseManager()) {
            for (Map.Entry<String, SVDLinear> e : layers.entrySet()) {
                SVDLinear.Adapter a = e.getValue().adapter(adapter);
                float[] s = tripletScores(a, tmp);
                scores.put(e.getKey(), s);
                for (float v : s) {
                    all.add(v);
                }
            }
        }
        int k = initBudget - budget;
        float threshold = Float.NEGATIVE_INFINITY; // PEFT's kthvalue needs k >= 1: at k = 0 nothing is pruned
        if (k > 0) {
            float[] sorted = new float[all.size()];
            for (int i = 0; i < sorted.length; i++) {
                sorted[i] = all.get(i);
            }
            Arrays.sort(sorted);
            threshold = sorted[Math.min(k, sorted.length) - 1];
        }
        Map<String, List<Boolean>> pattern = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : scores.entrySet()) {
            float[] s = e.getValue();
            List<Boolean> keep = new ArrayList<>();
            for (float v : s) {
                keep.add(!(v <= threshold));
            }
            maskE(layers.get(e.getKey()).adapter(adapter).loraE(), keep);
            pattern.put(e.getKey() + ".lora_E." + adapter, keep);
        }
        return pattern;
    }

    /** One layer's triplet scores, {@code [r]}, in float32 as PEFT computes them. */
    private float[] tripletScores(SVDLinear.Adapter a, NDManager tmp) {
        NDArray sa = score(a.loraA(), tmp);
        NDArray sb = score(a.loraB(), tmp);
        NDArray se = score(a.loraE(), tmp);
        if (sa == null || sb == null || se == null) { // PEFT fails too (a KeyError on ipt)
            throw new IllegalStateException("AdaLoRA has no sensitivity recorded for the adapter weights, so it cannot"
                    + " choose which singular values to prune: the allocator records them after each optimizer step"
                    + " (updateAndAllocate) before step total_step - tfinal; a run resumed from a checkpoint without"
                    + " AdaLoRA's state cannot continue its schedule");
        }
        NDArray meanA = sa.mean(new int[] {1}, true);
        NDArray meanB = sb.mean(new int[] {0}, false).reshape(-1, 1);
        NDArray ab = NDArrays.concat(new NDList(meanA, meanB), 1).sum(new int[] {1});
        return se.reshape(-1).add(ab).toFloatArray();
    }

    /** PEFT's {@code _element_score}: the product of the two EMAs, as a copy on {@code tmp}. */
    private NDArray score(Parameter p, NDManager tmp) {
        NDArray ipt = expAvgIpt.get(p);
        NDArray unc = expAvgUnc.get(p);
        if (ipt == null) {
            return null;
        }
        NDArray s = ipt.mul(unc);
        s.attach(tmp);
        return s;
    }

    /** Zeroes the entries of {@code loraE} ({@code [r, 1]}) that {@code keep} drops, in place. */
    private static void maskE(Parameter loraE, List<Boolean> keep) {
        NDArray e = loraE.getArray();
        float[] v = Weights.floats(e);
        for (int i = 0; i < v.length; i++) {
            if (!keep.get(i)) {
                v[i] = 0f;
            }
        }
        try (NDManager tmp = NDManager.newBaseManager(e.getDevice());
                GradMode.Scope off = GradMode.off()) {
            Weights.copyInto(e, tmp.create(v, e.getShape()));
        }
    }

    /**
     * PEFT's {@code mask_using_rank_pattern}: zeroes the E entries {@code pattern} drops; its keys may carry the
     * adapter name ({@code …fc1.lora_E.default}) or not ({@code …fc1.lora_E}, as saved).
     */
    void maskUsingRankPattern(Map<String, List<Boolean>> pattern) {
        for (Map.Entry<String, SVDLinear> e : layers.entrySet()) {
            String full = e.getKey() + ".lora_E." + adapter;
            List<Boolean> keep = pattern.get(full);
            if (keep == null) {
                keep = pattern.get(full.replace("." + adapter, ""));
            }
            if (keep == null) {
                throw new IllegalStateException("the rank pattern has no entry for " + full);
            }
            maskE(e.getValue().adapter(adapter).loraE(), keep);
        }
    }

    /**
     * The EMAs as FP32 copies on {@code manager}: {@code exp_avg_ipt/<name>} and {@code exp_avg_unc/<name>}, by
     * PEFT's in-memory parameter names ({@code …q_proj.lora_A.default}); empty when none are recorded.
     */
    Map<String, NDArray> state(NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        forEachWeight((name, p) -> {
            NDArray ipt = expAvgIpt.get(p);
            if (ipt != null) {
                out.put("exp_avg_ipt/" + name, copy(ipt, manager));
                out.put("exp_avg_unc/" + name, copy(expAvgUnc.get(p), manager));
            }
        });
        return out;
    }

    private static NDArray copy(NDArray a, NDManager manager) {
        NDArray c = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, true);
        c.attach(manager);
        return c;
    }

    /** Replaces the EMAs by those {@link #state} returned (copied; {@code state}'s arrays stay the caller's). */
    void restoreState(Map<String, NDArray> saved) {
        resetIpt();
        forEachWeight((name, p) -> {
            NDArray ipt = saved.get("exp_avg_ipt/" + name);
            NDArray unc = saved.get("exp_avg_unc/" + name);
            if (ipt == null || unc == null) {
                return;
            }
            NDArray w = p.getArray();
            if (state == null) {
                state = w.getManager().newSubManager(w.getDevice());
            }
            expAvgIpt.put(p, onState(ipt, w));
            expAvgUnc.put(p, onState(unc, w));
        });
    }

    private NDArray onState(NDArray saved, NDArray like) {
        NDArray c = saved.toDevice(like.getDevice(), true).toType(like.getDataType(), true);
        NDArray out = c.duplicate();
        out.attach(state);
        c.close();
        return out;
    }

    private void forEachWeight(java.util.function.BiConsumer<String, Parameter> action) {
        for (Map.Entry<String, SVDLinear> e : layers.entrySet()) {
            SVDLinear.Adapter a = e.getValue().adapter(adapter);
            action.accept(e.getKey() + ".lora_A." + adapter, a.loraA());
            action.accept(e.getKey() + ".lora_B." + adapter, a.loraB());
            action.accept(e.getKey() + ".lora_E." + adapter, a.loraE());
        }
    }

    /** PEFT's {@code reset_ipt}: forgets the EMAs. */
    void resetIpt() {
        expAvgIpt.clear();
        expAvgUnc.clear();
        if (state != null) {
            state.close();
            state = null;
        }
    }

    /** Frees the EMAs. */
    @Override
    public void close() {
        resetIpt();
    }
}
