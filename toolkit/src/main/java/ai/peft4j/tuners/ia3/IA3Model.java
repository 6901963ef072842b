package ai.peft4j.tuners.ia3;

import ai.djl.nn.Block;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.tuners.BaseTuner;
import ai.peft4j.tuners.Injector;
import ai.peft4j.tuners.TunerLayer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * PEFT's {@code IA3Model}: fills in the target and feed-forward modules of the model type when the
 * config leaves them unset, finds the targets and wraps each linear one in an {@link IA3Linear},
 * through the generic {@link Injector} and {@link IA3LayerFactory#ALL}. Switching, merging,
 * unloading and saving are {@link BaseTuner}'s.
 *
 * <pre>{@code
 * PeftModel peft = Peft.getPeftModel(opt, IA3Config.builder().taskType(TaskType.CAUSAL_LM).build());
 * IA3Model ia3 = (IA3Model) peft.baseModel();
 * ia3.ia3Layers().keySet();   // model.decoder.layers.0.self_attn.k_proj, ...q_proj, ...fc2, ...
 * }</pre>
 */
public class IA3Model extends BaseTuner {

    /**
     * PEFT 0.10's default targets per {@code model_type} ({@code
     * TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING}), used when target_modules is not set.
     */
    static final Map<String, List<String>> DEFAULT_TARGETS = Map.ofEntries(
            Map.entry("t5", List.of("k", "v", "wo")),
            Map.entry("mt5", List.of("k", "v", "wi_1")),
            Map.entry("gpt2", List.of("c_attn", "mlp.c_proj")),
            Map.entry("bloom", List.of("query_key_value", "mlp.dense_4h_to_h")),
            Map.entry("roberta", List.of("key", "value", "output.dense")),
            Map.entry("opt", List.of("q_proj", "k_proj", "fc2")),
            Map.entry("gptj", List.of("q_proj", "v_proj", "fc_out")),
            Map.entry("gpt_neox", List.of("query_key_value", "dense_4h_to_h")),
            Map.entry("gpt_neo", List.of("q_proj", "v_proj", "c_proj")),
            Map.entry("bart", List.of("q_proj", "v_proj", "fc2")),
            Map.entry("gpt_bigcode", List.of("c_attn", "mlp.c_proj")),
            Map.entry("llama", List.of("k_proj", "v_proj", "down_proj")),
            Map.entry("mistral", List.of("k_proj", "v_proj", "down_proj")),
            Map.entry("mixtral", List.of("k_proj", "v_proj", "w2")),
            Map.entry("bert", List.of("key", "value", "output.dense")),
            Map.entry("deberta-v2", List.of("key_proj", "value_proj", "output.dense")),
            Map.entry("deberta", List.of("in_proj", "output.dense")),
            Map.entry("RefinedWebModel", List.of("query_key_value", "dense_4h_to_h")),
            Map.entry("RefinedWeb", List.of("query_key_value", "dense_4h_to_h")),
            Map.entry("falcon", List.of("query_key_value", "dense_4h_to_h")),
            Map.entry("phi", List.of("q_proj", "v_proj", "fc2")),
            Map.entry("gemma", List.of("q_proj", "v_proj", "down_proj")));

    /**
     * PEFT 0.10's default feed-forward modules per {@code model_type} ({@code
     * TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING}), used when feedforward_modules is not set.
     */
    static final Map<String, List<String>> DEFAULT_FEEDFORWARD = Map.ofEntries(
            Map.entry("t5", List.of("wo")),
            Map.entry("mt5", List.of()),
            Map.entry("gpt2", List.of("mlp.c_proj")),
            Map.entry("bloom", List.of("mlp.dense_4h_to_h")),
            Map.entry("roberta", List.of("output.dense")),
            Map.entry("opt", List.of("fc2")),
            Map.entry("gptj", List.of("fc_out")),
            Map.entry("gpt_neox", List.of("dense_4h_to_h")),
            Map.entry("gpt_neo", List.of("c_proj")),
            Map.entry("bart", List.of("fc2")),
            Map.entry("gpt_bigcode", List.of("mlp.c_proj")),
            Map.entry("llama", List.of("down_proj")),
            Map.entry("mistral", List.of("down_proj")),
            Map.entry("mixtral", List.of("w2")),
            Map.entry("bert", List.of("output.dense")),
            Map.entry("deberta-v2", List.of("output.dense")),
            Map.entry("deberta", List.of("output.dense")),
            Map.entry("RefinedWeb", List.of("dense_4h_to_h")),
            Map.entry("RefinedWebModel", List.of("dense_4h_to_h")),
            Map.entry("falcon", List.of("dense_4h_to_h")),
            Map.entry("phi", List.of("fc2")),
            Map.entry("gemma", List.of("down_proj")));

    private static final Injector<IA3Config> INJECTOR = new Injector<>(IA3LayerFactory.ALL, DEFAULT_TARGETS);

    public IA3Model(Block model) {
        super(model);
    }

    /** {@inheritDoc} The config returned names the targets and feed-forward modules used, as PEFT saves it. */
    @Override
    protected PeftConfig injectAdapter(String name, PeftConfig peftConfig, Random rnd) {
        IA3Config config = withModelDefaults((IA3Config) peftConfig);
        Injector.Plan<IA3Config> plan = INJECTOR.plan(model(), config, savedWhole(config));
        IA3Config applied = fanInFanOutAsApplied(config, plan.targets());
        plan.apply(name, applied, rnd);
        return applied;
    }

    /**
     * PEFT's {@code _prepare_adapter_config}: an unset target_modules or feedforward_modules takes
     * the model type's defaults; each is looked up on its own.
     */
    private IA3Config withModelDefaults(IA3Config config) {
        if (config.targetModules() != null && config.feedforwardModules() != null) {
            return config;
        }
        Block model = model();
        String type = model instanceof PreTrainedModel
                ? ((PreTrainedModel) model).config().modelType()
                : null;
        String which = type == null ? "a custom model" : "model_type '" + type + "'";
        IA3Config.Builder b = config.toBuilder();
        if (config.targetModules() == null) {
            List<String> targets = type == null ? null : DEFAULT_TARGETS.get(type);
            if (targets == null) {
                throw new IllegalArgumentException("Please specify `target_modules` in `peft_config`: peft4j has no "
                        + "default IA3 targets for " + which);
            }
            b.targetModules(targets);
        }
        List<String> feedforward = null;
        if (config.feedforwardModules() == null) {
            feedforward = type == null ? null : DEFAULT_FEEDFORWARD.get(type);
            if (feedforward == null) {
                throw new IllegalArgumentException(
                        "Please specify `feedforward_modules` in `peft_config`: peft4j has no "
                                + "default IA3 feed-forward modules for " + which
                                + " (an empty list says that none of the targets is "
                                + "feed-forward)");
            }
            b.feedforwardModules(feedforward);
        }
        try {
            return b.build();
        } catch (PeftConfigException e) {
            // PEFT 0.10 would go on, and then write an adapter_config.json that it refuses to load.
            throw new IllegalArgumentException(
                    "feedforward_modules is not set, so IA3 takes the defaults of " + which
                            + ", " + feedforward + ", but they are not all among target_modules "
                            + config.targetModules()
                            + " (PEFT would train this adapter and save a config it cannot load again). Set feedforward_modules to"
                            + " the feed-forward layers among your targets, or to an empty list if there are none.",
                    e);
        }
    }

    /** {@link BaseTuner#fanInFanOutAsApplied} for the layers {@code targets} found. */
    private static IA3Config fanInFanOutAsApplied(IA3Config config, List<Injector.Target<IA3Config>> targets) {
        return fanInFanOutAsApplied(
                config,
                IA3Config.FAN_IN_FAN_OUT,
                targets.stream().anyMatch(t -> t.factory() != IA3LayerFactory.CONV1D),
                targets.stream().anyMatch(t -> t.factory() == IA3LayerFactory.CONV1D));
    }

    /** {@inheritDoc} */
    @Override
    protected List<String> modulesToSave(PeftConfig config) {
        List<String> m = ((IA3Config) config).modulesToSave();
        return m == null ? List.of() : m;
    }

    /** The IA3 layers by path relative to the model. */
    public Map<String, IA3Linear> ia3Layers() {
        Map<String, IA3Linear> out = new LinkedHashMap<>();
        for (Map.Entry<String, TunerLayer> e : tunerLayers().entrySet()) {
            if (e.getValue() instanceof IA3Linear) {
                out.put(e.getKey(), (IA3Linear) e.getValue());
            }
        }
        return out;
    }
}
