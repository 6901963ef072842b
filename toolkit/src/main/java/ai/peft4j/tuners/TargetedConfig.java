package ai.peft4j.tuners;

import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigField.OneOrList;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftConfigException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The part of a layer-injecting method's config that says where its adapters go, as PEFT's {@code
 * check_target_module_exists} reads it. LoRA, IA3, LoHa and LoKr declare these keys alike in PEFT, so they are
 * declared once here: a config lists the ones it has in its schema and gets their accessors, and its builder gets
 * their setters from {@link Builder} or {@link LayersBuilder}. {@link TargetMatcher} and {@link Injector} read only this interface, so they
 * stay free of any one method.
 *
 * <pre>{@code
 * TargetedConfig config = LoraConfig.builder().targetModules("q_proj", "v_proj").build();
 * TargetMatcher.of(config).matches("model.decoder.layers.0.self_attn.q_proj");   // true
 * config.get(TargetedConfig.TARGET_MODULES) == config.targetModules();          // the same field, LoraConfig.TARGET_MODULES
 * }</pre>
 */
public interface TargetedConfig {

    /**
     * {@code target_modules}: the modules to adapt, by name (a module whose path equals a name or ends with {@code
     * "." + name}), by one regex over the whole path, or {@code "all-linear"}; {@code null} means the architecture's
     * defaults (LoHa and LoKr have none, so they need it).
     */
    ConfigField<ModuleSelector> TARGET_MODULES = ModuleSelector.configField("target_modules", false)
            .check(
                    t -> t.isRegex() || t.names().stream().noneMatch(ModuleSelector::isAllLinear),
                    t -> "\"" + ModuleSelector.ALL_LINEAR
                            + "\" is only understood as a plain string, not inside a list; use targetAllLinear()");

    /**
     * {@code exclude_modules} (later PEFT): modules never to adapt, checked before the targets; {@code null} for none.
     * Written only when set: PEFT 0.10 fails on keys it does not know, so a {@code null} would lock it out.
     */
    ConfigField<ModuleSelector> EXCLUDE_MODULES =
            ModuleSelector.configField("exclude_modules", true).writtenOnlyWhenSet();

    /** {@code layers_to_transform}: the layer indices to adapt (one or a list), or {@code null} for every layer. */
    ConfigField<OneOrList<Integer>> LAYERS_TO_TRANSFORM = ConfigField.intOrList(
                    "layers_to_transform", "null, a layer index, or a list of layer indices")
            .check(
                    l -> l.items().stream().allMatch(i -> i != null && i >= 0),
                    l -> "layer indices must be >= 0, found " + l.items());

    /** {@code layers_pattern}: the name of the layer container ({@code "layers"}, {@code "h"}), or several. */
    ConfigField<OneOrList<String>> LAYERS_PATTERN = ConfigField.stringOrList("layers_pattern")
            .check(
                    l -> l.items().stream().allMatch(p -> p != null && !p.isEmpty()),
                    l -> "entries must be non-empty strings, found " + l.items())
            .check(l -> PatternKeys.invalidKey(l.items()));

    /** {@code modules_to_save}: other modules trained and saved in full (a classifier head, say), or {@code null}. */
    ConfigField<List<String>> MODULES_TO_SAVE = ConfigField.stringList("modules_to_save")
            .check(
                    l -> l.stream().noneMatch(n -> n == null || n.isEmpty()),
                    l -> "names must be non-empty strings, found " + l);

    /** The value of {@code field}; implemented by {@link ai.peft4j.config.PeftConfig#get}. */
    <T> T get(ConfigField<T> field);

    /** The config's fields; implemented by {@link ai.peft4j.config.PeftConfig#schema}. */
    ConfigSchema<?> schema();

    /** {@code target_modules}, or {@code null} when the architecture's defaults are to be used. */
    default ModuleSelector targetModules() {
        return get(TARGET_MODULES);
    }

    /** {@code exclude_modules}, or {@code null}. */
    default ModuleSelector excludeModules() {
        return get(EXCLUDE_MODULES);
    }

    /** {@code layers_to_transform} as a list (one index becomes a list of one), or {@code null} for every layer. */
    default List<Integer> layersToTransform() {
        return schema().has(LAYERS_TO_TRANSFORM) ? OneOrList.itemsOf(get(LAYERS_TO_TRANSFORM)) : null;
    }

    /** {@code layers_pattern} as a list (one name becomes a list of one), or {@code null} for any layer container. */
    default List<String> layersPattern() {
        return schema().has(LAYERS_PATTERN) ? OneOrList.itemsOf(get(LAYERS_PATTERN)) : null;
    }

    /** {@code modules_to_save}, or {@code null}. */
    default List<String> modulesToSave() {
        return get(MODULES_TO_SAVE);
    }

    /**
     * PEFT's check that {@code exclude_modules} leaves something to adapt: it must not name a target nor equal the
     * targets. A config's {@code validate()} calls it.
     */
    static void checkExcludeModules(TargetedConfig config) {
        ModuleSelector targets = config.targetModules();
        String contradiction = targets == null || config.excludeModules() == null
                ? null
                : targets.contradiction(config.excludeModules());
        if (contradiction != null) {
            throw new PeftConfigException("key 'exclude_modules' " + contradiction);
        }
    }

    /**
     * The setters of these keys, for a config builder that implements this interface ({@code set} is {@link
     * ai.peft4j.config.PeftConfig.Builder#set}); named as the keys in camelCase, overloads take other forms.
     *
     * @param <B> the builder
     */
    interface Builder<B> {

        /** Sets one field; implemented by {@link ai.peft4j.config.PeftConfig.Builder#set}. */
        <T> B set(ConfigField<T> field, T value);

        default B targetModules(ModuleSelector selector) {
            return set(TARGET_MODULES, selector);
        }

        /** Target modules by name: a module whose path equals a name or ends with {@code "." + name}. */
        default B targetModules(String... names) {
            return targetModules(ModuleSelector.names(names));
        }

        default B targetModules(Collection<String> names) {
            return targetModules(ModuleSelector.namesOrNull(names));
        }

        /** Target modules by a regex that must match the whole module path. */
        default B targetModulesRegex(String regex) {
            return targetModules(ModuleSelector.regexOrNull(regex));
        }

        /** Every linear layer except the output head (PEFT's {@code "all-linear"}). */
        default B targetAllLinear() {
            return targetModulesRegex(ModuleSelector.ALL_LINEAR);
        }

        default B excludeModules(ModuleSelector selector) {
            return set(EXCLUDE_MODULES, selector);
        }

        /** Modules never to adapt, by name; no names means none. */
        default B excludeModules(String... names) {
            return excludeModules(names.length == 0 ? null : ModuleSelector.names(names));
        }

        default B excludeModulesRegex(String regex) {
            return excludeModules(ModuleSelector.regexOrNull(regex));
        }

        default B modulesToSave(String... names) {
            return modulesToSave(Arrays.asList(names));
        }

        default B modulesToSave(List<String> names) {
            return set(MODULES_TO_SAVE, names);
        }
    }

    /**
     * The setters of {@code layers_to_transform} and {@code layers_pattern} as well, for the methods that have these
     * keys (LoRA, LoHa, LoKr; not IA3).
     *
     * @param <B> the builder
     */
    interface LayersBuilder<B> extends Builder<B> {

        /** A single layer index (written as a number). */
        default B layersToTransform(int layer) {
            return set(LAYERS_TO_TRANSFORM, OneOrList.one(layer));
        }

        /** Layer indices (written as a list). */
        default B layersToTransform(int... layers) {
            return layersToTransform(Arrays.stream(layers).boxed().toList());
        }

        /** Layer indices (written as a list); {@code null} for all layers. */
        default B layersToTransform(List<Integer> layers) {
            return set(LAYERS_TO_TRANSFORM, OneOrList.list(layers));
        }

        /** The name of the layer container, such as {@code "layers"} or {@code "h"} (written as a string). */
        default B layersPattern(String pattern) {
            return set(LAYERS_PATTERN, OneOrList.one(pattern));
        }

        /** Several candidate names for the layer container (written as a list). */
        default B layersPattern(List<String> patterns) {
            return set(LAYERS_PATTERN, OneOrList.list(patterns));
        }
    }
}
