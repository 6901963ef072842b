package ai.peft4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.config.PeftType;
import ai.peft4j.config.TaskType;
import ai.peft4j.tuners.lora.LoraConfig;
import ai.peft4j.tuners.ptuning.PromptEncoderConfig;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The two adapter_config.json examples of PEFT's tutorial "PEFT configurations and models"
 * (docs/source/tutorial/peft_model_config.md). The tutorial annotates them with {@code #} comments, which are not
 * JSON; they are left out here. Both are files of older PEFT versions, with fewer keys than 0.10 writes.
 */
class PeftTutorialConfigsTest {

    static final String LORA_EXAMPLE =
            """
      {
        "base_model_name_or_path": "facebook/opt-350m",
        "bias": "none",
        "fan_in_fan_out": false,
        "inference_mode": true,
        "init_lora_weights": true,
        "layers_pattern": null,
        "layers_to_transform": null,
        "lora_alpha": 32,
        "lora_dropout": 0.05,
        "modules_to_save": null,
        "peft_type": "LORA",
        "r": 16,
        "revision": null,
        "target_modules": [
          "q_proj",
          "v_proj"
        ],
        "task_type": "CAUSAL_LM"
      }""";

    static final String P_TUNING_EXAMPLE =
            """
      {
        "base_model_name_or_path": "roberta-large",
        "encoder_dropout": 0.0,
        "encoder_hidden_size": 128,
        "encoder_num_layers": 2,
        "encoder_reparameterization_type": "MLP",
        "inference_mode": true,
        "num_attention_heads": 16,
        "num_layers": 24,
        "num_transformer_submodules": 1,
        "num_virtual_tokens": 20,
        "peft_type": "P_TUNING",
        "task_type": "SEQ_CLS",
        "token_dim": 1024
      }""";

    @Test
    void loraExampleParsesAsTheLoraConfigOfTheTutorial() {
        PeftConfig config = PeftConfig.fromJson(LORA_EXAMPLE);

        LoraConfig lora = assertInstanceOf(LoraConfig.class, config);
        LoraConfig expected = LoraConfig.builder()
                .r(16)
                .loraAlpha(32)
                .loraDropout(0.05)
                .targetModules("q_proj", "v_proj")
                .taskType(TaskType.CAUSAL_LM)
                .baseModelNameOrPath("facebook/opt-350m")
                .inferenceMode(true)
                .build();
        assertEquals(expected, lora);
        assertEquals(Set.of("q_proj", "v_proj"), lora.targetModules().names());
    }

    @Test
    void loraExampleRoundTripsWithTheKeysMissingFromOlderPeftFilledWithDefaults() {
        LoraConfig first = LoraConfig.SCHEMA.fromJson(LORA_EXAMPLE);
        String written = first.toJson();
        LoraConfig second = LoraConfig.SCHEMA.fromJson(written);

        assertEquals(first, second);
        assertEquals(written, second.toJson());
        assertTrue(written.contains("\"use_rslora\": false"));
        assertTrue(written.contains("\"rank_pattern\": {}"));
        assertTrue(PeftConfig.parse(LORA_EXAMPLE, null).ignoredKeys().isEmpty());
    }

    @Test
    void pTuningExampleParsesAsThePromptEncoderConfigOfTheTutorial() {
        PeftConfig config = PeftConfig.fromJson(P_TUNING_EXAMPLE);

        PromptEncoderConfig p = assertInstanceOf(PromptEncoderConfig.class, config);
        // The tutorial's Python spells the argument encoder_reprameterization_type; the JSON key is the right one.
        PromptEncoderConfig expected = PromptEncoderConfig.builder()
                .taskType(TaskType.SEQ_CLS)
                .numVirtualTokens(20)
                .encoderHiddenSize(128)
                .tokenDim(1024)
                .numAttentionHeads(16)
                .numLayers(24)
                .numTransformerSubmodules(1)
                .baseModelNameOrPath("roberta-large")
                .inferenceMode(true)
                .build();
        assertEquals(expected, p);
        assertEquals(PromptEncoderConfig.ReparameterizationType.MLP, p.encoderReparameterizationType());
        assertEquals(2, p.encoderNumLayers());
        assertEquals(0.0, p.encoderDropout());
        assertTrue(p.isPromptLearning());
        assertTrue(PeftConfig.parse(P_TUNING_EXAMPLE, null).ignoredKeys().isEmpty());
    }

    @Test
    void pTuningExampleRoundTripsWithTheKeysMissingFromOlderPeftFilledWithDefaults() {
        PromptEncoderConfig first = PromptEncoderConfig.SCHEMA.fromJson(P_TUNING_EXAMPLE);
        String written = first.toJson();
        assertEquals(first, PeftConfig.fromJson(written));
        assertEquals(written, PromptEncoderConfig.SCHEMA.fromJson(written).toJson());
        // PEFT 0.10 writes the base fields the tutorial's older file lacks.
        assertTrue(written.contains("\"auto_mapping\": null"), written);
        assertTrue(written.contains("\"revision\": null"), written);
        assertTrue(written.contains("\"encoder_reparameterization_type\": \"MLP\""), written);
    }

    @Test
    void pTuningExampleIsNotMistakenForLora() {
        PeftConfigException e =
                assertThrows(PeftConfigException.class, () -> LoraConfig.SCHEMA.fromJson(P_TUNING_EXAMPLE));
        assertTrue(e.getMessage().contains("expected LORA"), e.getMessage());
        assertTrue(e.getMessage().contains("found P_TUNING"), e.getMessage());
        assertFalse(PeftType.LORA.isPromptLearning());
        assertTrue(PeftType.P_TUNING.isPromptLearning());
    }
}
