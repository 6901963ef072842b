package ai.peft4j.fuzz;

import ai.peft4j.PeftModel;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.nn.ModuleTree;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Any {@code adapter_config.json} and {@code adapter_model.safetensors} loaded onto the tiny OPT:
 * {@code PeftModel.fromPretrained} loads the adapter or throws a typed error (or, the tuners'
 * convention, a peft4j {@code IllegalArgumentException} for a config PEFT would reject when it
 * builds the adapter), and after an error the base model is exactly as it was (same modules, same
 * values, same trainable flags). The input is the config, then
 * {@link FuzzSupport#MARK} and the weights; without the mark the fixture adapter's weights are
 * used.
 */
class AdapterLoaderFuzzer {

    static final AtomicLong RUNS = new AtomicLong();
    static final Path BASE_DIR = FuzzSupport.tempDir("peft4j-fuzz-base");
    static final Path DIR = FuzzSupport.tempDir("peft4j-fuzz-adapter");
    static final byte[] WEIGHTS = FuzzSupport.resource("hf-reference/tiny_opt/lora/adapter_model.safetensors");
    static final byte[] CONFIG = FuzzSupport.resource("hf-reference/tiny_opt/lora/adapter_config.json");

    static PreTrainedCausalLM base;
    static Map<String, Object> baseState;

    static Stream<byte[]> seeds() {
        return Stream.of(CONFIG, FuzzSupport.join(CONFIG, WEIGHTS));
    }

    /** The base model, loaded once and again only after an adapter was loaded onto it. */
    static PreTrainedCausalLM base() {
        if (base == null) {
            try {
                Files.write(BASE_DIR.resolve("config.json"), FuzzSupport.resource("hf-reference/tiny_opt/config.json"));
                Files.write(
                        BASE_DIR.resolve("model.safetensors"),
                        FuzzSupport.resource("hf-reference/tiny_opt/model.safetensors"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            base = AutoModelForCausalLM.fromPretrained(BASE_DIR);
            baseState = state(base);
        }
        return base;
    }

    /** Every module's path and class, and every parameter's dtype, trainable flag and values. */
    static Map<String, Object> state(PreTrainedCausalLM m) {
        Map<String, Object> out = new LinkedHashMap<>();
        ModuleTree.namedModules(m)
                .forEach((k, b) -> out.put("module " + k, b.getClass().getName()));
        ModuleTree.namedParameters(m).forEach((k, p) -> {
            out.put(k + " trains", p.requiresGradient());
            out.put(k + " dtype", p.isInitialized() ? p.getArray().getDataType() : null);
            out.put(k, p.isInitialized() ? FloatBuffer.wrap(p.getArray().toFloatArray()) : null);
        });
        return out;
    }

    @MethodSource("seeds")
    @DictionaryEntries({
        "\"peft_type\"",
        "\"LORA\"",
        "\"PROMPT_TUNING\"",
        "\"P_TUNING\"",
        "\"PREFIX_TUNING\"",
        "\"task_type\"",
        "\"CAUSAL_LM\"",
        "\"SEQ_CLS\"",
        "\"r\"",
        "\"lora_alpha\"",
        "\"target_modules\"",
        "\"q_proj\"",
        "\"v_proj\"",
        "\"k_proj\"",
        "\"out_proj\"",
        "\"fc1\"",
        "\"fc2\"",
        "\"lm_head\"",
        "\"bias\"",
        "\"all\"",
        "\"lora_only\"",
        "\"modules_to_save\"",
        "\"layers_to_transform\"",
        "\"layers_pattern\"",
        "\"rank_pattern\"",
        "\"alpha_pattern\"",
        "\"fan_in_fan_out\"",
        "\"init_lora_weights\"",
        "\"use_rslora\"",
        "\"use_dora\"",
        "\"num_virtual_tokens\"",
        "\"token_dim\"",
        "\"num_layers\"",
        "\"num_attention_heads\"",
        "\"encoder_hidden_size\"",
        "\"prefix_projection\"",
        "\"prompt_embeddings\"",
        "\"F64\"",
        "\"I64\"",
        "\"BOOL\"",
        "\"BF16\"",
        "null",
        "true",
        "false",
        "-1",
        "0",
        "2147483648",
        "\".*\""
    })
    @FuzzTest(maxExecutions = FuzzSupport.RUNS, maxDuration = "4m")
    void loadAdapterFolder(byte[] input) {
        RUNS.incrementAndGet();
        FuzzSupport.writeFiles(input, DIR, "adapter_config.json", "adapter_model.safetensors", WEIGHTS);
        PreTrainedCausalLM model = base();
        PeftModel peft;
        try {
            peft = PeftModel.fromPretrained(model, DIR);
        } catch (Throwable t) {
            boolean unchanged = state(model).equals(baseState);
            if (!unchanged) {
                model.close();
                base = null; // the next input starts from a fresh model
            }
            FuzzSupport.requireTyped(t, true);
            if (!unchanged) {
                FuzzSupport.failed = true;
                throw new AssertionError("a failed load changed the base model: " + t, t);
            }
            return;
        }
        peft.close(); // frees the base model's weights too
        base = null;
    }

    @AfterAll
    static void enoughRuns() {
        if (base != null) {
            base.close();
        }
        FuzzSupport.checkRuns("adapter loader", RUNS);
    }
}
