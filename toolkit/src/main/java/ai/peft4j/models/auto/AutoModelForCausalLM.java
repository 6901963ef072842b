package ai.peft4j.models.auto;

import ai.peft4j.io.hub.HubClient;
import ai.peft4j.models.DemoMode;
import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.models.PretrainedConfig;
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

    private AutoModelForCausalLM() {}

    /** Reads {@code config.json}, builds the architecture and loads its safetensors weights. */
    public static PreTrainedCausalLM fromPretrained(Path dir) {
        return PreTrainedModel.withWeightsFrom(fromConfig(PretrainedConfig.readJson(dir)), dir);
    }

    /**
     * Loads from a local folder, or else from the Hub repo of that id through {@link
     * HubClient#getDefault()} (cached as {@code huggingface_hub} caches it). The model remembers
     * {@code nameOrPath}, so an adapter trained on it records the repo id as its base model. With
     * {@link DemoMode} on, an id that is neither local nor cached gives seeded random weights.
     */
    public static PreTrainedCausalLM fromPretrained(String nameOrPath) {
        return DemoMode.load(nameOrPath, AutoModelForCausalLM::fromPretrained, AutoModelForCausalLM::fromConfig);
    }

    /** The architecture for a parsed {@code config.json}, without weights. */
    public static PreTrainedCausalLM fromConfig(ObjectNode json) {
        String type = PretrainedConfig.modelTypeOf(json);
        switch (type) {
            case "opt":
                return new OptForCausalLM(new OptConfig(json));
            case "llama":
                return new LlamaForCausalLM(new LlamaConfig(json));
            case "gpt2":
                return new Gpt2LmHeadModel(new Gpt2Config(json));
            case "bloom":
                return new BloomForCausalLM(new BloomConfig(json));
            case "qwen2":
                return new Qwen2ForCausalLM(new Qwen2Config(json));
            case "mistral":
                return new MistralForCausalLM(new MistralConfig(json));
            case "gemma":
                return new GemmaForCausalLM(new GemmaConfig(json));
            default:
                throw new ModelConfigException(
                        "model_type",
                        "model_type '" + type + "' has no causal-LM architecture in "
                                + "peft4j yet; supported: opt, llama, gpt2, bloom, qwen2, mistral, gemma");
        }
    }
}
