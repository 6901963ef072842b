package ai.peft4j.models.auto;

import ai.peft4j.io.hub.HubClient;
import ai.peft4j.models.DemoMode;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.bloom.BloomConfig;
import ai.peft4j.models.bloom.BloomForCausalLM;
import ai.peft4j.models.gemma.GemmaConfig;
import ai.peft4j.models.gemma.GemmaForCausalLM;
import ai.peft4j.models.gpt2.Gpt2Config;
import ai.peft4j.models.gpt2.Gpt2LmHeadModel;
import ai.peft4j.models.llama.LlamaConfig;
import ai.peft4j.models.llama.LlamaForCausalLM;
import ai.peft4j.models.mistral.MistralConfig;
import ai.peft4j.models.mistral.MistralForCausalLM;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.models.qwen2.Qwen2Config;
import ai.peft4j.models.qwen2.Qwen2ForCausalLM;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * Loads a causal language model from a Hugging Face directory, choosing the architecture from
 * {@code model_type} in {@code config.json}.
 *
 * <pre>{@code
 * PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(Path.of("tiny_opt"));
 * PreTrainedCausalLM opt = AutoModelForCausalLM.fromPretrained("facebook/opt-125m"); // from the Hub
 * }</pre>
 */
public final class AutoModelForCausalLM {

    private static final ModelMapping<PreTrainedCausalLM> MAPPING = new ModelMapping<PreTrainedCausalLM>("causal-LM")
            .register("opt", OptConfig::new, OptForCausalLM::new)
            .register("llama", LlamaConfig::new, LlamaForCausalLM::new)
            .register("gpt2", Gpt2Config::new, Gpt2LmHeadModel::new)
            .register("bloom", BloomConfig::new, BloomForCausalLM::new)
            .register("qwen2", Qwen2Config::new, Qwen2ForCausalLM::new)
            .register("mistral", MistralConfig::new, MistralForCausalLM::new)
            .register("gemma", GemmaConfig::new, GemmaForCausalLM::new);

    private AutoModelForCausalLM() {}

    /** Reads {@code config.json}, builds the architecture and loads its safetensors weights. */
    public static PreTrainedCausalLM fromPretrained(Path dir) {
        return MAPPING.fromPretrained(dir);
    }

    /**
     * Loads from a local folder, or else from the Hub repo of that id through {@link
     * HubClient#getDefault()} (cached as {@code huggingface_hub} caches it). The model remembers
     * {@code nameOrPath}, so an adapter trained on it records the repo id as its base model. With
     * {@link DemoMode} on, an id that is neither local nor cached gives seeded random weights.
     */
    public static PreTrainedCausalLM fromPretrained(String nameOrPath) {
        return MAPPING.fromPretrained(nameOrPath);
    }

    /**
     * The architecture for a parsed {@code config.json}, without weights.
     *
     * @throws ai.peft4j.models.ModelConfigException when its {@code model_type} has none here
     */
    public static PreTrainedCausalLM fromConfig(ObjectNode json) {
        return MAPPING.fromConfig(json);
    }
}
