package ai.peft4j.tuners;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.nn.Conv1D;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleTree;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a method's tuner layers into a model, as PEFT's {@code BaseTuner.inject_adapter} does, in
 * two steps so that a refusal leaves the model as it was.
 *
 * <ol>
 *   <li>{@link #plan}: resolves the targets (the architecture's defaults when {@code
 *       target_modules} is unset, the linear layers for {@code "all-linear"}), classifies every
 *       module with {@link TargetMatcher} (exclusions first), skips modules inside tuner layers or
 *       inside modules trained whole ({@code modules_to_save}), and picks for each target the first
 *       {@link LayerFactory} that accepts it. Anything that does not fit is an error here, before
 *       any module is touched.
 *   <li>{@link Plan#apply}: each target's factory adds the adapter; new layers replace their
 *       modules. If a step fails, the steps before it are undone.
 * </ol>
 *
 * The injector knows no method: a method supplies its factories (in order of preference) and its
 * default targets per {@code model_type}.
 *
 * <pre>{@code
 * Injector<LoraConfig> injector = new Injector<>(List.of(onLinear, onConv1D),
 *     Map.of("opt", List.of("q_proj", "v_proj")));
 * Injector.Plan<LoraConfig> plan = injector.plan(model, config, List.of()); // throws, changes nothing
 * plan.targets();                                                           // path, module, factory
 * plan.apply("default", config, new Random(0));
 * }</pre>
 *
 * @param <C> the method's config
 */
public final class Injector<C extends TargetedConfig> {

    private static final Logger LOG = LoggerFactory.getLogger(Injector.class);

    private final List<LayerFactory<C>> factories;
    private final Map<String, List<String>> defaultTargets;

    /**
     * @param factories      the layer factories, asked in this order
     * @param defaultTargets {@code target_modules} per {@code model_type}, used when the config leaves
     *                       them unset (PEFT's {@code TRANSFORMERS_MODELS_TO_*_TARGET_MODULES_MAPPING})
     */
    public Injector(List<? extends LayerFactory<C>> factories, Map<String, List<String>> defaultTargets) {
        if (factories.isEmpty()) {
            throw new IllegalArgumentException("an injector needs at least one layer factory");
        }
        this.factories = List.copyOf(factories);
        this.defaultTargets = Map.copyOf(defaultTargets);
    }

    /** One module that gets the adapter, and the factory that will put it there. */
    public record Target<C>(String path, Block module, LayerFactory<C> factory) {}

    /**
     * The checked result of {@link #plan}: every target with its factory. Nothing has changed yet.
     *
     * @param <C> the method's config
     */
    public static final class Plan<C> {

        private final Block model;
        private final List<Target<C>> targets;

        private Plan(Block model, List<Target<C>> targets) {
            this.model = model;
            this.targets = List.copyOf(targets);
        }

        /** The targets, in module order. */
        public List<Target<C>> targets() {
            return targets;
        }

        /**
         * Adds adapter {@code adapter} at every target. When a factory or a replacement fails, the
         * adapter is taken out of the layers already done and the original modules are put back, so
         * that the model is as it was; the failure is then rethrown.
         */
        public void apply(String adapter, C config, Random rnd) {
            List<Runnable> undo = new ArrayList<>();
            try {
                for (Target<C> t : targets) {
                    TunerLayer layer = t.factory().inject(t.path(), t.module(), adapter, config, rnd);
                    undo.add(() -> {
                        if (ModuleTree.get(model, t.path()) != t.module()) {
                            ModuleTree.replace(model, t.path(), t.module());
                        }
                        if (layer.adapterNames().contains(adapter)) {
                            layer.deleteAdapter(adapter);
                        }
                    });
                    if (!(layer instanceof Block)) {
                        throw new IllegalStateException(t.factory().description() + " factory made a "
                                + layer.getClass().getName() + ", which is not a Block");
                    }
                    if (layer != t.module()) {
                        ModuleTree.replace(model, t.path(), (Block) layer);
                    }
                }
            } catch (RuntimeException e) {
                for (int i = undo.size() - 1; i >= 0; i--) {
                    try {
                        undo.get(i).run();
                    } catch (RuntimeException again) {
                        e.addSuppressed(again);
                    }
                }
                throw e;
            }
        }
    }

    /**
     * Finds and checks every target of {@code config} in {@code model}; changes nothing.
     *
     * @param savedWhole names of modules trained whole ({@code modules_to_save} and the like): no
     *                   adapter goes inside them, since the whole module is copied anyway
     * @throws IllegalArgumentException when nothing is targeted (with the nearest module names, or
     *                                  the reason the layer filter or the exclusions left nothing),
     *                                  or when a target is a module no factory can wrap
     */
    public Plan<C> plan(Block model, C config, Collection<String> savedWhole) {
        TargetMatcher matcher = resolveTargets(model, TargetMatcher.of(config));
        List<String> paths = new ArrayList<>(ModuleTree.namedModules(model).keySet());
        List<String> targeted = new ArrayList<>();
        boolean sawExcluded = false;
        for (String path : paths) {
            if (path.isEmpty() || ModulesToSaveWrapper.insideAdapterModule(model, path)) {
                continue;
            }
            TargetMatcher.Outcome outcome = matcher.check(path);
            sawExcluded |= outcome == TargetMatcher.Outcome.EXCLUDED;
            if (outcome != TargetMatcher.Outcome.TARGETED) {
                continue;
            }
            if (savedWhole.stream().anyMatch(m -> ("." + path + ".").contains("." + m + "."))) {
                LOG.info("{} is inside a module trained whole (modules_to_save): no adapter there", path);
                continue;
            }
            targeted.add(path);
        }
        if (targeted.isEmpty()) {
            throw new IllegalArgumentException(nothingTargeted(matcher, paths, sawExcluded));
        }
        Set<String> unmatched = matcher.unmatchedTargets(paths);
        if (!unmatched.isEmpty()) {
            // PEFT 0.10 ignores such names silently as long as something matched; a typo deserves a word.
            LOG.warn(TargetMatcher.notFoundMessage(unmatched, paths) + " The other targets were applied.");
        }
        List<Target<C>> targets = new ArrayList<>();
        for (String path : targeted) {
            Block module = ModuleTree.get(model, path);
            LayerFactory<C> factory = factories.stream()
                    .filter(f -> f.accepts(module, config))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(
                            "Target module " + path + " (" + module.getClass().getSimpleName() + ") is not"
                                    + " supported. Currently, only " + supportedKinds() + " layers are supported;"
                                    + " pick their names in target_modules."));
            targets.add(new Target<>(path, module, factory));
        }
        return new Plan<>(model, targets);
    }

    private String supportedKinds() {
        List<String> kinds =
                factories.stream().map(LayerFactory::description).distinct().collect(Collectors.toList());
        return kinds.size() == 1
                ? kinds.get(0)
                : String.join(", ", kinds.subList(0, kinds.size() - 1)) + " and " + kinds.get(kinds.size() - 1);
    }

    private static String nothingTargeted(TargetMatcher matcher, List<String> paths, boolean sawExcluded) {
        if (sawExcluded) {
            return "All modules matching target_modules were excluded by exclude_modules.";
        }
        String layers = matcher.noLayerSelectedMessage(paths);
        if (layers != null) {
            return layers;
        }
        ModuleSelector targets = matcher.targets();
        Collection<String> missing = targets.isRegex() ? List.of(targets.regex()) : matcher.unmatchedTargets(paths);
        return TargetMatcher.notFoundMessage(missing.isEmpty() ? targets.names() : missing, paths);
    }

    /** Fills in the architecture's default targets, or the names of all linear layers. */
    private TargetMatcher resolveTargets(Block model, TargetMatcher matcher) {
        if (matcher.needsDefaultTargets()) {
            String type = model instanceof PreTrainedModel
                    ? ((PreTrainedModel) model).config().modelType()
                    : null;
            List<String> defaults = type == null ? null : defaultTargets.get(type);
            if (defaults == null) {
                throw new IllegalArgumentException(
                        "Please specify `target_modules` in `peft_config`: peft4j has no default targets for "
                                + (type == null ? "a custom model" : "model_type '" + type + "'"));
            }
            return matcher.withTargets(ModuleSelector.names(defaults));
        }
        if (matcher.targetsAllLinear()) {
            Set<String> names = new LinkedHashSet<>();
            ModuleTree.namedModules(model).forEach((path, b) -> {
                if (isLinear(b) && !isOutputLayer(model, path, b)) {
                    names.add(path.substring(path.lastIndexOf('.') + 1));
                }
            });
            return matcher.withTargets(ModuleSelector.names(names));
        }
        return matcher;
    }

    /** PEFT's linear classes for "all-linear": {@code nn.Linear} and transformers' {@code Conv1D}. */
    private static boolean isLinear(Block b) {
        return b instanceof Linear || b instanceof Conv1D || b instanceof ai.djl.nn.core.Linear;
    }

    /** The LM head (PEFT excludes the output embedding from "all-linear"). */
    private static boolean isOutputLayer(Block model, String path, Block b) {
        if (path.equals("lm_head")) {
            return true;
        }
        // A layer that shares the input embedding's weight is an output embedding too.
        if (b instanceof Linear) {
            Parameter w = ((Linear) b).weight();
            return ModuleTree.namedParameters(model).entrySet().stream()
                    .anyMatch(e -> e.getValue() == w && !e.getKey().equals(path + ".weight"));
        }
        return false;
    }
}
