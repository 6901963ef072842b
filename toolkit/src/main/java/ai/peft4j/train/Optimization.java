package ai.peft4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.Weights;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The optimizer side of a training step, as transformers' {@code Trainer} sets it up: which
 * parameters decay, AdamW and the schedule from {@link TrainingArguments}, clipping by global norm
 * and zeroing the gradients.
 */
final class Optimization {

    private Optimization() {}

    /** AdamW over {@code params} with the arguments' betas, epsilon and weight decay. */
    static AdamW adamW(TrainingArguments args, Block model, Map<String, Parameter> params, NDManager root) {
        return new AdamW(
                args.adamBeta1(),
                args.adamBeta2(),
                args.adamEpsilon(),
                args.weightDecay(),
                decayedKeys(model, params),
                root);
    }

    /** The learning-rate schedule of a run of {@code totalSteps}. */
    static LrSchedule schedule(TrainingArguments args, long totalSteps) {
        return new LrSchedule(
                args.lrSchedulerType(), args.learningRate(), args.warmupSteps(totalSteps), Math.toIntExact(totalSteps));
    }

    /**
     * transformers' decay rule ({@code get_decay_parameter_names}): every trainable parameter but
     * biases and the weights of LayerNorm modules.
     */
    static Set<String> decayedKeys(Block root, Map<String, Parameter> params) {
        Set<String> norms = new HashSet<>();
        ModuleTree.namedModules(root).forEach((path, block) -> {
            if (block instanceof ai.peft4j.nn.LayerNorm || block instanceof ai.djl.nn.norm.LayerNorm) {
                norms.add(path);
            }
        });
        Set<String> out = new HashSet<>();
        for (String key : params.keySet()) {
            int dot = key.lastIndexOf('.');
            String owner = dot < 0 ? "" : key.substring(0, dot);
            String name = key.substring(dot + 1);
            if (!name.contains("bias") && !norms.contains(owner)) {
                out.add(key);
            }
        }
        return out;
    }

    /**
     * Scales the gradients in place so that their global L2 norm is at most {@code maxNorm}, as
     * {@code torch.nn.utils.clip_grad_norm_}; returns the norm before clipping.
     */
    static double clipByGlobalNorm(Map<String, NDArray> grads, double maxNorm, NDManager scope) {
        double sumSq = 0;
        for (NDArray g : grads.values()) {
            try (NDManager local = scope.newSubManager()) {
                local.tempAttachAll(g);
                sumSq += g.toType(DataType.FLOAT32, false).square().sum().getFloat();
            }
        }
        double norm = Math.sqrt(sumSq);
        if (maxNorm > 0) {
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1) {
                for (NDArray g : grads.values()) {
                    g.muli(coef);
                }
            }
        }
        return norm;
    }

    /** Sets every parameter's gradient buffer to zero; the per-call wrappers go with {@code step}. */
    static void zeroGradients(Map<String, Parameter> params, NDManager step) {
        for (Parameter p : params.values()) {
            NDArray a = p.getArray();
            if (a.hasGradient()) {
                NDArray g = a.getGradient();
                g.attach(step);
                // Not g - g: a NaN or infinite gradient would stay in the buffer for good.
                Weights.copyInto(g, g.zerosLike());
            }
        }
    }
}
