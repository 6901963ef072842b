package ai.peft4j.tuners.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.nn.Weights;
import ai.peft4j.tuners.Initialization;
import ai.peft4j.tuners.ModuleSelector;
import ai.peft4j.tuners.TunerLayer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PEFT 0.10's {@code LoraModel.add_weighted_adapter}: a new LoRA adapter made from existing ones and their weights,
 * by one of the {@link CombinationType}s. The new adapter is added to the model but not activated, and does not train
 * until made active.
 *
 * <pre>{@code
 * PeftModel peft = PeftModel.fromPretrained(base, Path.of("sql-adapter"), "sql", false);
 * peft.loadAdapter(Path.of("chat-adapter"), "chat");
 * peft.addWeightedAdapter(List.of("sql", "chat"), List.of(0.7, 0.3), "sql_chat", CombinationType.LINEAR);
 * peft.addWeightedAdapter(List.of("sql", "chat"), List.of(1.0, 1.0), "ties", CombinationType.TIES,
 *         WeightedAdapterMerge.options().density(0.5).majoritySignMethod(MergeUtils.SignMethod.FREQUENCY));
 * peft.addWeightedAdapter(List.of("sql", "chat"), List.of(1.0, -0.5), "svd8", CombinationType.SVD,
 *         WeightedAdapterMerge.options().svdRank(8).svdClamp(0.99));
 * peft.setAdapter("sql_chat");
 * }</pre>
 *
 * <p>As PEFT: one source adapter always merges linearly; the new config is the first source's with {@code r} and
 * {@code lora_alpha} set to the new rank ({@code r} for the equal-rank types, the sum of the ranks for {@code cat},
 * {@code svd_rank} or the largest rank for SVD types) and {@code target_modules} the union of the sources' (a regex
 * joined as {@code (re1)|(re2)}); a layer only some sources adapt merges those. For SVD types the weight change
 * {@code weight·scaling·ΔW} of each source is combined (as PEFT 0.10 does, {@code ΔW} already holds the scaling, so it
 * counts twice), then {@code B = U·diag(S)} and {@code A = Vh} keep the top singular directions, optionally clamped to
 * the {@code svd_clamp} quantile of their values. An adapter name already in use leaves the model unchanged, with a
 * warning (PEFT returns silently).
 *
 * <p>Differences from PEFT 0.10, each on purpose: DARE divides the values it keeps by {@code density} (PEFT 0.10
 * computes that division and drops its result; PEFT fixed it in huggingface/peft#3152); its random masks come from {@link
 * Initialization#generator()}, so {@code Initialization.manualSeed} makes them repeatable, but they are not torch's;
 * bad input is refused with a message instead of failing later (lists of different lengths, which PEFT cuts to the
 * shorter, a missing or out-of-range {@code density}, an {@code svd_rank} above a layer's size); DoRA sources and
 * {@code rank_pattern} / {@code alpha_pattern} are refused (PEFT builds an adapter whose shapes or magnitudes do not
 * match them). The singular vectors' signs are this class's ({@link Svd}), so factors may differ in sign from torch's
 * while {@code B·A} agrees; {@code svd_clamp} then takes its quantile over the same values up to those signs.
 * {@code svd_driver} (a CUDA option) does not exist here.
 */
public final class WeightedAdapterMerge {

    private static final Logger LOG = LoggerFactory.getLogger(WeightedAdapterMerge.class);

    private WeightedAdapterMerge() {}

    /** New options with PEFT's defaults. */
    public static Options options() {
        return new Options();
    }

    /**
     * The optional arguments of {@code add_weighted_adapter}, PEFT's defaults unless set: {@code svd_rank} (null: the
     * largest source rank), {@code svd_clamp} (null: no clamping), {@code svd_full_matrices} (true; the result does
     * not depend on it), {@code density} (needed by the pruning types, in {@code (0, 1]}) and {@code
     * majority_sign_method} ({@code total}).
     */
    public static final class Options {
        private Integer svdRank;
        private Double svdClamp;
        private boolean svdFullMatrices = true;
        private Double density;
        private MergeUtils.SignMethod majoritySignMethod = MergeUtils.SignMethod.TOTAL;

        private Options() {}

        /** The new adapter's rank for SVD types; positive, at most a layer's smaller side. */
        public Options svdRank(Integer svdRank) {
            if (svdRank != null && svdRank < 1) {
                throw new IllegalArgumentException("svd_rank must be a positive rank, got " + svdRank
                        + "; leave it unset for the largest rank of the adapters");
            }
            this.svdRank = svdRank;
            return this;
        }

        /** The quantile in {@code [0, 1]} of the SVD factors' values they are clamped to ({@code ±} that value). */
        public Options svdClamp(Double svdClamp) {
            if (svdClamp != null && !(svdClamp >= 0 && svdClamp <= 1)) {
                throw new IllegalArgumentException("svd_clamp is a quantile and must be in [0, 1], got " + svdClamp
                        + "; use e.g. 0.99, or leave it unset for no clamping");
            }
            this.svdClamp = svdClamp;
            return this;
        }

        /** PEFT's {@code svd_full_matrices}; only the truncated factors are used, so the result is the same. */
        public Options svdFullMatrices(boolean svdFullMatrices) {
            this.svdFullMatrices = svdFullMatrices;
            return this;
        }

        /** The share of values each source keeps before merging, in {@code (0, 1]} (1 keeps all). */
        public Options density(Double density) {
            if (density != null && !(density > 0 && density <= 1)) {
                throw new IllegalArgumentException("density is the share of values kept and must be in (0, 1], got "
                        + density + "; 1 keeps every value");
            }
            this.density = density;
            return this;
        }

        /** How TIES elects each entry's sign: {@code TOTAL} (PEFT's default) or {@code FREQUENCY}. */
        public Options majoritySignMethod(MergeUtils.SignMethod method) {
            this.majoritySignMethod = Objects.requireNonNull(method, "majoritySignMethod");
            return this;
        }

        /** {@link #majoritySignMethod(MergeUtils.SignMethod)} by PEFT's string, {@code "total"} or {@code "frequency"}. */
        public Options majoritySignMethod(String method) {
            return majoritySignMethod(MergeUtils.SignMethod.fromString(method));
        }

        /** {@code svd_rank}, or null for PEFT's default (the largest rank among the sources). */
        public Integer svdRank() {
            return svdRank;
        }

        /** {@code svd_clamp}, or null: no clamping. */
        public Double svdClamp() {
            return svdClamp;
        }

        /** {@code svd_full_matrices} (default true). */
        public boolean svdFullMatrices() {
            return svdFullMatrices;
        }

        /** {@code density}, or null (required by the TIES, DARE and magnitude-prune types). */
        public Double density() {
            return density;
        }

        /** {@code majority_sign_method} (default {@code TOTAL}). */
        public MergeUtils.SignMethod majoritySignMethod() {
            return majoritySignMethod;
        }
    }

    /**
     * Adds adapter {@code name} to {@code model}, merged from {@code adapters} with {@code weights} (see the class
     * comment). Returns whether it was added (false when the name was already taken).
     */
    static boolean add(
            LoraModel model,
            List<String> adapters,
            List<Double> weights,
            String name,
            CombinationType type,
            Options options) {
        Objects.requireNonNull(adapters, "adapters");
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "combinationType");
        Objects.requireNonNull(options, "options");
        Map<String, PeftConfig> configs = model.configs();
        if (configs.containsKey(name)) {
            LOG.warn(
                    "Adapter '{}' already exists; add_weighted_adapter leaves it as it is (delete it first to merge"
                            + " into that name)",
                    name);
            return false;
        }
        if (adapters.isEmpty()) {
            throw new IllegalArgumentException("Found no adapter matching the names in []: name the adapters to merge");
        }
        if (adapters.size() != weights.size()) {
            throw new IllegalArgumentException(adapters.size() + " adapters " + adapters + " but " + weights.size()
                    + " weights " + weights + ": give one weight per adapter");
        }
        List<LoraConfig> sources = new ArrayList<>();
        for (String adapter : adapters) {
            PeftConfig c = configs.get(adapter);
            if (c == null) {
                throw new IllegalArgumentException(
                        "Adapter " + adapter + " does not exist; this model's adapters: " + configs.keySet());
            }
            if (!(c instanceof LoraConfig lora)) {
                throw new IllegalArgumentException("Adapter " + adapter + " is a " + c.peftType()
                        + " adapter; add_weighted_adapter merges LoRA adapters only");
            }
            if (lora.useDora()) {
                throw new IllegalArgumentException("Adapter " + adapter + " is a DoRA adapter (use_dora=true);"
                        + " add_weighted_adapter merges plain LoRA adapters only");
            }
            if (!lora.rankPattern().isEmpty() || !lora.alphaPattern().isEmpty()) {
                throw new IllegalArgumentException("Adapter " + adapter + " sets rank_pattern or alpha_pattern;"
                        + " peft4j's add_weighted_adapter needs one r and lora_alpha per adapter");
            }
            sources.add(lora);
        }
        for (Double w : weights) {
            if (w == null || !Double.isFinite(w)) {
                throw new IllegalArgumentException("weights must be finite numbers, got " + weights);
            }
        }
        CombinationType ctype = adapters.size() == 1 ? CombinationType.LINEAR : type; // PEFT: one adapter -> linear
        int newRank = newRank(adapters, sources, ctype, options);
        checkOptions(ctype, options);
        if (ctype.needsEqualRanks()) {
            for (int i = 0; i < adapters.size(); i++) {
                if (weights.get(i) * sources.get(i).loraAlpha() < 0) { // the sign of weight * scaling
                    throw new IllegalArgumentException("combination_type " + ctype + " weights A and B each by"
                            + " sqrt(weight * scaling), which needs weight >= 0; adapter " + adapters.get(i)
                            + " has weight " + weights.get(i) + " (PEFT: math domain error); use \"cat\" or \"svd\" for"
                            + " negative weights");
                }
            }
        }
        LoraConfig merged = sources.get(0).toBuilder()
                .r(newRank)
                .loraAlpha(newRank)
                .targetModules(newTargets(adapters, sources))
                .build();
        model.addAdapter(name, merged, Initialization.generator());
        try {
            Random rnd = Initialization.generator();
            for (Map.Entry<String, TunerLayer> e : model.tunerLayers().entrySet()) {
                TunerLayer layer = e.getValue();
                if (layer.adapterNames().contains(name)
                        && (layer instanceof LoraLinear || layer instanceof LoraEmbedding)) {
                    mergeLayer(e.getKey(), layer, adapters, weights, name, ctype, newRank, options, rnd);
                }
            }
        } catch (RuntimeException e) {
            model.deleteAdapter(name); // a failed merge leaves the model as it was
            throw e;
        }
        return true;
    }

    private static int newRank(List<String> adapters, List<LoraConfig> sources, CombinationType type, Options options) {
        List<Integer> ranks = sources.stream().map(LoraConfig::r).toList();
        if (type.needsEqualRanks()) {
            if (new LinkedHashSet<>(ranks).size() != 1) {
                throw new IllegalArgumentException("All adapters must have the same r value when using combination_type"
                        + " linear, ties, dare_ties or dare_linear (magnitude_prune too); " + adapters + " have r "
                        + ranks + ": use \"cat\" or an SVD type (\"svd\", \"ties_svd\", ...) for different ranks");
            }
            return ranks.get(0);
        }
        if (type == CombinationType.CAT) {
            return ranks.stream().mapToInt(Integer::intValue).sum();
        }
        return options.svdRank() != null
                ? options.svdRank()
                : ranks.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }

    private static void checkOptions(CombinationType type, Options options) {
        if (type.usesDensity() && options.density() == null) {
            throw new IllegalArgumentException("combination_type " + type + " prunes and needs density, the share of"
                    + " values kept in (0, 1]: pass options().density(...)");
        }
        if (type.usesDensity() && options.density() >= 1) {
            LOG.warn("The density {} is greater than or equal to 1, no pruning will be performed.", options.density());
        }
    }

    /** PEFT's rule: a union of the name sets, or the regexes joined as {@code (re1)|(re2)}; no mix of the two. */
    private static ModuleSelector newTargets(List<String> adapters, List<LoraConfig> sources) {
        Set<Boolean> kinds = new LinkedHashSet<>();
        for (LoraConfig c : sources) {
            kinds.add(c.targetModules() != null && c.targetModules().isRegex());
        }
        if (kinds.size() > 1) {
            throw new IllegalArgumentException("all adapter configs should follow the same target modules type. "
                    + "Combining adapters with `target_modules` type being a mix of list/set and string is not"
                    + " supported. (" + adapters + ")");
        }
        if (kinds.contains(true)) {
            return ModuleSelector.regex(String.join(
                    "|",
                    sources.stream()
                            .map(c -> "(" + c.targetModules().regex() + ")")
                            .toList()));
        }
        Set<String> names = new LinkedHashSet<>();
        sources.forEach(c -> names.addAll(c.targetModules().names()));
        return ModuleSelector.names(names);
    }

    /** One source's factors in B·A orientation: {@code a [r, in]}, {@code b [out, r]}, and its scaling. */
    private record Factors(double[][] a, double[][] b, double scaling) {}

    private static Factors factors(TunerLayer layer, String adapter) {
        if (layer instanceof LoraLinear l) {
            return new Factors(
                    matrix(l.loraA(adapter).weight()), matrix(l.loraB(adapter).weight()), l.scaling(adapter));
        }
        LoraEmbedding e = (LoraEmbedding) layer;
        return new Factors(matrix(e.loraEmbeddingA(adapter)), matrix(e.loraEmbeddingB(adapter)), e.scaling(adapter));
    }

    private static void mergeLayer(
            String path,
            TunerLayer layer,
            List<String> adapters,
            List<Double> weights,
            String name,
            CombinationType type,
            int newRank,
            Options options,
            Random rnd) {
        List<Factors> present = new ArrayList<>();
        List<Double> presentWeights = new ArrayList<>();
        for (int i = 0; i < adapters.size(); i++) {
            if (layer.adapterNames().contains(adapters.get(i))) {
                present.add(factors(layer, adapters.get(i)));
                presentWeights.add(weights.get(i));
            }
        }
        if (present.isEmpty()) {
            throw new IllegalArgumentException("No matching LoRAs found in " + path + " for " + adapters);
        }
        Parameter targetA =
                layer instanceof LoraLinear l ? l.loraA(name).weight() : ((LoraEmbedding) layer).loraEmbeddingA(name);
        Parameter targetB =
                layer instanceof LoraLinear l ? l.loraB(name).weight() : ((LoraEmbedding) layer).loraEmbeddingB(name);
        int in = present.get(0).a()[0].length;
        int out = present.get(0).b().length;
        double[][] newA;
        double[][] newB;
        if (type == CombinationType.CAT) {
            newA = new double[newRank][in];
            newB = new double[out][newRank];
            int row = 0;
            for (int i = 0; i < present.size(); i++) {
                Factors f = present.get(i);
                double c = presentWeights.get(i) * f.scaling();
                for (int r = 0; r < f.a().length; r++, row++) {
                    for (int j = 0; j < in; j++) {
                        newA[row][j] = f.a()[r][j] * c;
                    }
                    for (int o = 0; o < out; o++) {
                        newB[o][row] = f.b()[o][r];
                    }
                }
            }
        } else if (type.isSvd()) {
            List<double[]> deltas = new ArrayList<>();
            double[] w = new double[present.size()];
            for (int i = 0; i < present.size(); i++) {
                Factors f = present.get(i);
                deltas.add(flatten(times(f.b(), f.a(), f.scaling())));
                w[i] = presentWeights.get(i) * f.scaling();
            }
            double[][] delta = unflatten(combine(type, deltas, w, options, rnd), out, in);
            if (newRank > Math.min(out, in)) {
                throw new IllegalArgumentException("svd_rank " + newRank + " is larger than " + path + " allows (" + out
                        + " x " + in + "): pass options().svdRank(n) with n <= " + Math.min(out, in));
            }
            Svd svd = Svd.truncated(delta, newRank);
            newB = new double[out][newRank];
            newA = new double[newRank][in];
            for (int k = 0; k < newRank; k++) {
                for (int o = 0; o < out; o++) {
                    newB[o][k] = svd.u[o][k] * svd.s[k];
                }
                newA[k] = svd.vh[k].clone();
            }
            if (options.svdClamp() != null) {
                clamp(newB, newA, options.svdClamp());
            }
        } else {
            double[] w = new double[present.size()];
            List<double[]> as = new ArrayList<>();
            List<double[]> bs = new ArrayList<>();
            for (int i = 0; i < present.size(); i++) {
                Factors f = present.get(i);
                w[i] = Math.sqrt(presentWeights.get(i) * f.scaling());
                as.add(flatten(f.a()));
                bs.add(flatten(f.b()));
            }
            newA = unflatten(combine(type, as, w, options, rnd), newRank, in);
            newB = unflatten(combine(type, bs, w, options, rnd), out, newRank);
        }
        write(targetA, newA);
        write(targetB, newB);
    }

    private static double[] combine(
            CombinationType type, List<double[]> tensors, double[] weights, Options options, Random rnd) {
        MergeUtils.SignMethod sign = options.majoritySignMethod();
        return switch (type) {
            case LINEAR, SVD -> MergeUtils.taskArithmetic(tensors, weights);
            case TIES, TIES_SVD -> MergeUtils.ties(tensors, weights, options.density(), sign);
            case DARE_LINEAR, DARE_LINEAR_SVD -> MergeUtils.dareLinear(tensors, weights, options.density(), rnd);
            case DARE_TIES, DARE_TIES_SVD -> MergeUtils.dareTies(tensors, weights, options.density(), sign, rnd);
            case MAGNITUDE_PRUNE, MAGNITUDE_PRUNE_SVD -> MergeUtils.magnitudePrune(tensors, weights, options.density());
            case CAT -> throw new IllegalStateException("cat does not combine entry by entry");
        };
    }

    /**
     * PEFT's {@code svd_clamp}: {@code hi} = the {@code q} quantile (torch's linear interpolation) of all values of
     * {@code U·diag(S)} and {@code Vh} together; both clamped to {@code [-hi, hi]}.
     */
    static void clamp(double[][] b, double[][] a, double q) {
        double[] all = new double[b.length * b[0].length + a.length * a[0].length];
        int i = 0;
        for (double[][] m : List.of(b, a)) {
            for (double[] row : m) {
                for (double v : row) {
                    all[i++] = v;
                }
            }
        }
        double hi = quantile(all, q);
        for (double[][] m : List.of(b, a)) {
            for (double[] row : m) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = Math.max(-hi, Math.min(hi, row[j]));
                }
            }
        }
    }

    /** {@code torch.quantile(values, q)} with its default linear interpolation. */
    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static double[][] matrix(Parameter p) {
        NDArray x = p.getArray();
        long[] shape = x.getShape().getShape();
        float[] v = Weights.floats(x);
        return unflatten(toDoubles(v), (int) shape[0], (int) shape[1]);
    }

    private static void write(Parameter p, double[][] m) {
        NDArray target = p.getArray();
        float[] v = new float[m.length * m[0].length];
        int i = 0;
        for (double[] row : m) {
            for (double x : row) {
                v[i++] = (float) x;
            }
        }
        try (NDManager scope = target.getManager().newSubManager()) {
            Weights.copyInto(target, scope.create(v, target.getShape()));
        }
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /** {@code b·a·scale}, {@code [out, in]}. */
    private static double[][] times(double[][] b, double[][] a, double scale) {
        int out = b.length;
        int r = a.length;
        int in = a[0].length;
        double[][] m = new double[out][in];
        for (int o = 0; o < out; o++) {
            double[] row = m[o];
            for (int k = 0; k < r; k++) {
                double bk = b[o][k] * scale;
                double[] ak = a[k];
                for (int j = 0; j < in; j++) {
                    row[j] += bk * ak[j];
                }
            }
        }
        return m;
    }

    private static double[] flatten(double[][] m) {
        double[] v = new double[m.length * m[0].length];
        for (int r = 0; r < m.length; r++) {
            System.arraycopy(m[r], 0, v, r * m[0].length, m[0].length);
        }
        return v;
    }

    private static double[][] unflatten(double[] v, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(v, r * cols, m[r], 0, cols);
        }
        return m;
    }
}
