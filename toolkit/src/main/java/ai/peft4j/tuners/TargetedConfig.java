package ai.peft4j.tuners;

import java.util.List;

/**
 * The part of a layer-injecting method's config that says where its adapters go, as PEFT's {@code
 * check_target_module_exists} reads it. Configs implement it so that {@link TargetMatcher} and
 * {@link Injector} stay free of any one method.
 *
 * <pre>{@code
 * TargetedConfig config = LoraConfig.builder().targetModules("q_proj", "v_proj").build();
 * TargetMatcher.of(config).matches("model.decoder.layers.0.self_attn.q_proj");   // true
 * }</pre>
 */
public interface TargetedConfig {

    /** {@code target_modules}, or {@code null} when the architecture's defaults are to be used. */
    ModuleSelector targetModules();

    /** {@code exclude_modules}, or {@code null}. */
    ModuleSelector excludeModules();

    /** {@code layers_to_transform}, or {@code null}/empty for every layer. */
    List<Integer> layersToTransform();

    /** {@code layers_pattern}, or {@code null}/empty to accept any layer container. */
    List<String> layersPattern();
}
