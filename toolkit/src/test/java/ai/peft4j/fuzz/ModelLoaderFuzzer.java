package ai.peft4j.fuzz;

import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Any {@code config.json} and {@code model.safetensors} as a model folder: {@code
 * AutoModelForCausalLM.fromPretrained} loads it or throws a typed error. The input is the config,
 * then {@link FuzzSupport#MARK} and the weights; without the mark, the fixture's weights are used,
 * so that mutations of the config alone are tried against real weights.
 */
class ModelLoaderFuzzer {

    static final AtomicLong RUNS = new AtomicLong();
    static final Path DIR = FuzzSupport.tempDir("peft4j-fuzz-model");
    static final byte[] WEIGHTS = FuzzSupport.resource("hf-reference/tiny_opt/model.safetensors");
    static final byte[] CONFIG = FuzzSupport.resource("hf-reference/tiny_opt/config.json");

    static Stream<byte[]> seeds() {
        return Stream.of(CONFIG, FuzzSupport.join(CONFIG, WEIGHTS));
    }

    @MethodSource("seeds")
    @DictionaryEntries({
        "\"model_type\"",
        "\"opt\"",
        "\"llama\"",
        "\"gpt2\"",
        "\"roberta\"",
        "\"vocab_size\"",
        "\"hidden_size\"",
        "\"num_hidden_layers\"",
        "\"num_attention_heads\"",
        "\"num_key_value_heads\"",
        "\"ffn_dim\"",
        "\"intermediate_size\"",
        "\"n_embd\"",
        "\"n_head\"",
        "\"n_layer\"",
        "\"n_inner\"",
        "\"n_positions\"",
        "\"max_position_embeddings\"",
        "\"word_embed_proj_dim\"",
        "\"pad_token_id\"",
        "\"tie_word_embeddings\"",
        "\"do_layer_norm_before\"",
        "\"enable_bias\"",
        "\"layer_norm_elementwise_affine\"",
        "\"activation_function\"",
        "\"hidden_act\"",
        "\"rope_scaling\"",
        "\"id2label\"",
        "\"F64\"",
        "\"I64\"",
        "\"BOOL\"",
        "\"BF16\"",
        "\"F16\"",
        "\"U64\"",
        "\"I16\"",
        "null",
        "true",
        "false",
        "-1",
        "0",
        "2147483648",
        "1099511627776",
        "1e400"
    })
    @FuzzTest(maxExecutions = FuzzSupport.RUNS, maxDuration = "4m")
    void loadModelFolder(byte[] input) {
        RUNS.incrementAndGet();
        FuzzSupport.writeFiles(input, DIR, "config.json", "model.safetensors", WEIGHTS);
        try (PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(DIR)) {
            lm.config(); // loaded: fine
        } catch (Throwable t) {
            FuzzSupport.requireTyped(t, false);
        }
    }

    @AfterAll
    static void enoughRuns() {
        FuzzSupport.checkRuns("model loader", RUNS);
    }
}
