package ai.peft4j.models;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.GradMode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One training step with gradient checkpointing (transformers' {@code gradient_checkpointing_enable()}): the layers of
 * a model whose {@link PreTrainedModel#gradientCheckpointing(boolean) gradient checkpointing} is on keep only each
 * layer's input during the forward pass, and {@link #backward} recomputes them one layer at a time, so a step holds
 * the activations of one layer instead of all of them, for about one more forward pass of compute.
 *
 * <p>PyTorch does it inside autograd ({@code torch.utils.checkpoint}); DJL has no such hook, so the step is split in
 * three: the forward runs the layers without recording (each layer's input kept) and the rest of the model from the
 * last hidden states as a fresh leaf; {@link #backward} backpropagates the loss to that leaf, then replays the model's
 * forward: the part before the layers (embeddings, virtual tokens, prefix keys and values) is recomputed, each layer
 * from last to first is recomputed from its kept input and backpropagated with the gradient of its output, and the
 * gradient of the first layer's input flows on into the embeddings and prompt encoders. Parameter gradients add up
 * across these passes as in one backward. Dropout draws the same masks in both passes: inside a step, the part
 * before the layers and each layer reseed the engine's generator from the step's seed, whether or not the model
 * checkpoints (so a model with checkpointing off draws the same masks inside a step, what the tests compare). Outside
 * a step nothing is reseeded, so with dropout a run with checkpointing draws other masks than one without.
 *
 * <p>{@code PeftTrainer} does this for you with {@code gradientCheckpointing(true)}. In a loop of your own:
 *
 * <pre>{@code
 * lm.gradientCheckpointing(true);                 // or peftModel's base model
 * try (GradientCollector gc = Engine.getInstance().newGradientCollector();
 *         GradientCheckpointing step = GradientCheckpointing.step(seed)) {
 *     NDArray loss = peft.loss(ps, ids, mask, labels, true);
 *     step.backward(gc, loss);                    // instead of gc.backward(loss)
 * }
 * }</pre>
 *
 * <p>One step per thread at a time; PyTorch engine only. The replayed forward sees the model as it is when {@link
 * #backward} runs: do not change adapters or weights between the forward pass and {@code backward}.
 */
public final class GradientCheckpointing implements AutoCloseable {

    private static final ThreadLocal<GradientCheckpointing> CURRENT = new ThreadLocal<>();

    /** One checkpointed forward of a layer stack's owner: what its replay needs. */
    private static final class Segment {
        final LmInputs inputs;
        final Function<LmInputs, NDArray> forward;
        final long seed;
        NDArray[] layerInputs;
        NDArray last; // the last layer's output, no graph
        NDArray leaf; // the same, as the leaf the rest of the model ran from
        NDArray upstream; // the gradient of the leaf, during the replay
        boolean replayed;

        Segment(LmInputs inputs, Function<LmInputs, NDArray> forward, long seed) {
            this.inputs = inputs;
            this.forward = forward;
            this.seed = seed;
        }
    }

    private final GradientCheckpointing previous;
    private final long seed;
    private final List<Segment> segments = new ArrayList<>();
    private final List<NDArray> owned = new ArrayList<>();
    private int forwards;
    private int running; // forward passes of layer-stack owners in progress
    private Segment pending; // a checkpointed forward waiting for its layer stack
    private Segment replaying; // the segment whose layers the running replay backpropagates
    private long layerSeed; // the seed of the running forward's layers (seeded, not checkpointed)
    private boolean seedingLayers;
    private boolean closed;
    private int recomputed;
    private final boolean installed;

    private GradientCheckpointing(long seed, boolean installed) {
        this.seed = seed;
        this.installed = installed;
        this.previous = installed ? CURRENT.get() : null;
    }

    /**
     * Starts a training step on this thread: forward passes of models with gradient checkpointing on keep only their
     * layers' inputs until {@link #backward}. Close it (try-with-resources) when the step's gradients are in.
     *
     * @param seed the step's dropout seed: each layer's masks are drawn from a seed derived from it
     */
    public static GradientCheckpointing step(long seed) {
        GradientCheckpointing step = new GradientCheckpointing(seed, true);
        CURRENT.set(step);
        return step;
    }

    /** A step that does nothing of its own: its {@link #backward} is {@code gc.backward(loss)} (checkpointing off). */
    public static GradientCheckpointing none() {
        return new GradientCheckpointing(0, false);
    }

    /** The step open on this thread, or null. */
    static GradientCheckpointing current() {
        return CURRENT.get();
    }

    /**
     * {@code gc.backward(loss)}, then the recomputation and backward of every checkpointed layer stack of this step,
     * last forward first. Call it once, inside {@code gc}'s scope.
     */
    public void backward(GradientCollector gc, NDArray loss) {
        gc.backward(loss);
        if (!GradMode.isEnabled()) {
            throw new IllegalStateException("backward must run inside the gradient collector");
        }
        for (int s = segments.size() - 1; s >= 0; s--) {
            Segment segment = segments.get(s);
            segment.upstream = segment.leaf.getGradient();
            replaying = segment;
            try (ForwardScope scope = ForwardScope.open()) {
                reseed(segment.seed);
                segment.forward.apply(segment.inputs); // its layer stack backpropagates, see replay
            } finally {
                replaying = null;
            }
            if (!segment.replayed) {
                throw new IllegalStateException("the replayed forward pass did not reach its layers");
            }
        }
        segments.clear();
    }

    /** How many layer forwards {@link #backward} has recomputed in this step (0 without checkpointing). */
    public int recomputedLayers() {
        return recomputed;
    }

    /** Frees what the step kept (layer inputs, inputs of the replay) and ends the step on this thread. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        owned.forEach(NDArray::close);
        owned.clear();
        if (!installed) {
            return;
        }
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }

    /**
     * The forward pass of a layer stack's owner (a {@link DecoderModel}) inside a step: seeded and, when {@code
     * checkpoint}, recorded for the replay. Called with grad recording on and no cache to fill.
     */
    NDArray forward(boolean checkpoint, LmInputs in, Function<LmInputs, NDArray> forward) {
        if (replaying != null || running > 0 || !GradMode.isEnabled()) {
            // the replay itself, a decoder inside another (OPTModel's OPTDecoder), or a pass without gradients
            return forward.apply(in);
        }
        running++;
        try {
            return seededForward(checkpoint, in, forward);
        } finally {
            running--;
        }
    }

    private NDArray seededForward(boolean checkpoint, LmInputs in, Function<LmInputs, NDArray> forward) {
        long segmentSeed = mix(seed, forwards++);
        reseed(segmentSeed);
        if (!checkpoint) {
            seedingLayers = true;
            layerSeed = segmentSeed;
            try {
                return forward.apply(in);
            } finally {
                seedingLayers = false;
            }
        }
        Segment segment = new Segment(retain(in), forward, segmentSeed);
        pending = segment;
        try {
            NDArray out = forward.apply(in);
            if (segment.leaf != null) {
                segments.add(segment);
            }
            return out;
        } finally {
            pending = null;
        }
    }

    /**
     * The layer stack of the running forward pass: recorded without gradients (a checkpointed forward), replayed with
     * its backward (in {@link #backward}), or run as usual with each layer seeded. Returns the last hidden states.
     */
    NDArray layers(NDArray h, int count, List<NDList> past, LayerStack.Layer layer) {
        if (replaying != null && !replaying.replayed) {
            return replay(replaying, h, past, layer);
        }
        if (pending != null && pending.leaf == null) {
            return record(pending, h, count, past, layer);
        }
        for (int i = 0; i < count; i++) {
            if (seedingLayers) {
                reseed(mix(layerSeed, i));
            }
            try (ForwardScope layerScope = ForwardScope.open()) {
                h = layerScope.keep(layer.forward(i, h, past == null ? null : past.get(i), null));
            }
        }
        return h;
    }

    private NDArray record(Segment segment, NDArray h, int count, List<NDList> past, LayerStack.Layer layer) {
        segment.layerInputs = new NDArray[count];
        NDArray x = h;
        try (GradMode.Scope off = GradMode.off()) {
            for (int i = 0; i < count; i++) {
                segment.layerInputs[i] = own(x.stopGradient()); // shares x's storage, without its graph
                reseed(mix(segment.seed, i));
                try (ForwardScope layerScope = ForwardScope.open()) {
                    x = layerScope.keep(layer.forward(i, x, past == null ? null : past.get(i), null));
                }
            }
            segment.last = own(x.stopGradient());
            segment.leaf = own(x.stopGradient());
        }
        segment.leaf.setRequiresGradient(true);
        // A view, for the model to use and close: the leaf itself stays with this step for its gradient.
        return segment.leaf.reshape(segment.leaf.getShape());
    }

    private NDArray replay(Segment segment, NDArray h, List<NDList> past, LayerStack.Layer layer) {
        segment.replayed = true;
        int count = segment.layerInputs.length;
        NDList[] pastGrads = new NDList[count];
        NDArray g = segment.upstream;
        for (int i = count - 1; i >= 0; i--) {
            try (ForwardScope layerScope = ForwardScope.open()) {
                NDArray x = segment.layerInputs[i].stopGradient();
                x.setRequiresGradient(true);
                NDList layerPast = past == null ? null : leaves(past.get(i));
                reseed(mix(segment.seed, i));
                NDArray out = layer.forward(i, x, layerPast, null);
                recomputed++;
                JniUtils.backward((PtNDArray) out, (PtNDArray) g, false, false);
                if (layerPast != null) {
                    pastGrads[i] = new NDList();
                    for (NDArray p : layerPast) {
                        pastGrads[i].add(layerScope.keep(p.getGradient()));
                    }
                }
                NDArray gx = layerScope.keep(x.getGradient());
                g.close();
                g = gx;
            }
        }
        // The first segment: the layers' input and the past keys and values carry the graph of embeddings and
        // prompts. One backward of sum(root * gradient) over them all delivers each gradient exactly.
        NDArray total = h.mul(g).sum();
        for (int i = 0; past != null && i < count; i++) {
            for (int k = 0; k < past.get(i).size(); k++) {
                total = total.add(past.get(i).get(k).mul(pastGrads[i].get(k)).sum());
            }
        }
        try {
            JniUtils.backward((PtNDArray) total, (PtNDArray) total.onesLike(), false, false);
        } catch (EngineException e) {
            // Nothing before the layers is trained (LoRA on frozen embeddings): PyTorch says no graph reaches here.
            if (!String.valueOf(e.getMessage()).contains("does not require grad")) {
                throw e;
            }
        }
        g.close();
        return segment.last.stopGradient();
    }

    /** Each array of {@code list} as a fresh leaf that records its gradient. */
    private static NDList leaves(NDList list) {
        NDList out = new NDList(list.size());
        for (NDArray a : list) {
            NDArray leaf = a.stopGradient();
            leaf.setRequiresGradient(true);
            out.add(leaf);
        }
        return out;
    }

    /** The inputs as handles of this step (same storage, same graph), alive until the replay. */
    private LmInputs retain(LmInputs in) {
        List<NDList> past = null;
        if (in.pastKeyValues() != null) {
            past = new ArrayList<>();
            for (NDList kv : in.pastKeyValues()) {
                NDList copy = new NDList(kv.size());
                kv.forEach(a -> copy.add(alias(a)));
                past.add(copy);
            }
        }
        return new LmInputs(
                alias(in.inputIds()),
                alias(in.inputsEmbeds()),
                alias(in.attentionMask()),
                alias(in.labels()),
                past,
                alias(in.positionIds()));
    }

    /** A second handle on {@code a}: a view, with its graph when it has one. */
    private NDArray alias(NDArray a) {
        return a == null ? null : own(a.reshape(a.getShape()));
    }

    /** Takes {@code a} (just made) out of the forward scopes: this step closes it. */
    private NDArray own(NDArray a) {
        NDScope.unregister(a);
        owned.add(a);
        return a;
    }

    private static void reseed(long seed) {
        JniUtils.setSeed(seed);
    }

    /** SplitMix64 of {@code base} and {@code index}: independent seeds per forward and per layer. */
    static long mix(long base, long index) {
        long z = base + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }
}
