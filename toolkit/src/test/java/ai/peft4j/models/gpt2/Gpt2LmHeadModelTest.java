package ai.peft4j.models.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.io.safetensors.SafetensorsWriter;
import ai.peft4j.io.safetensors.Tensor;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.nn.GradMode;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.Weights;
import ai.peft4j.testing.Golden;
import ai.peft4j.testing.TransformersCausalLm;
import ai.peft4j.tuners.lora.LoraConfig;
import ai.peft4j.tuners.lora.LoraLinear;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-2 against {@code reference/tiny_gpt2}, written by {@code scripts/gpt2_llama_positions_reference.py} with
 * transformers' own GPT2LMHeadModel (eager attention) on seeded weights: forward without position ids counts
 * positions 0..T-1, padding or not; a padding query attends, as in transformers, to the pads up to itself and to
 * every later real token; generate counts positions from the mask.
 */
@DisplayName("GPT-2 (GPT2LMHeadModel)")
class Gpt2LmHeadModelTest {

    static Path tinyGpt2() {
        try {
            return Path.of(Gpt2LmHeadModelTest.class
                            .getResource("/reference/tiny_gpt2/config.json")
                            .toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static void assertCase(String name) {
        try (Gpt2LmHeadModel lm = Gpt2LmHeadModel.fromPretrained(tinyGpt2())) {
            TransformersCausalLm.assertCase(lm, Golden.read(tinyGpt2().resolve("golden.json")), name);
        }
    }

    @Test
    @DisplayName("left padding: positions 0..T-1; logits of real tokens and of pads, and the loss where the last pad "
            + "predicts the first real token, are transformers'")
    void leftPadding() {
        assertCase("left_padded");
    }

    @Test
    @DisplayName("right padding: logits (pads included) and loss are transformers'")
    void rightPadding() {
        assertCase("right_padded");
    }

    @Test
    @DisplayName("a mask that hides tokens inside a row keeps positions 0..T-1, as transformers")
    void gapInMask() {
        assertCase("gap_in_mask");
    }

    @Test
    @DisplayName("explicit position ids are used as given")
    void explicitPositionIds() {
        assertCase("explicit_positions");
    }

    @Test
    @DisplayName("greedy generate on left-padded prompts gives transformers' tokens (positions from the mask)")
    void generateLeftPadded() {
        try (Gpt2LmHeadModel lm = Gpt2LmHeadModel.fromPretrained(tinyGpt2())) {
            TransformersCausalLm.assertGenerate(lm, Golden.read(tinyGpt2().resolve("golden.json")));
        }
    }

    @Test
    @DisplayName("position ids of the wrong shape, or outside wpe, are refused with the shape or range needed")
    void badPositionIds() {
        try (Gpt2LmHeadModel lm = Gpt2LmHeadModel.fromPretrained(tinyGpt2());
                NDManager m = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            LmInputs in = LmInputs.of(m.create(new long[] {63, 10, 20, 30}, new Shape(1, 4)), null, null);
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> lm.forward(ps, in.withPositionIds(m.create(new long[] {0, 1, 2}, new Shape(1, 3))), false));
            assertTrue(e.getMessage().contains("(1, 4)"), e.getMessage());
            e = assertThrows(
                    IllegalArgumentException.class,
                    () -> lm.forward(
                            ps, in.withPositionIds(m.create(new long[] {0, 1, 2, 32}, new Shape(1, 4))), false));
            assertTrue(e.getMessage().contains("0..31") && e.getMessage().contains("0..32"), e.getMessage());
            NDArray tooLong = m.zeros(new Shape(1, 33), ai.djl.ndarray.types.DataType.INT64);
            e = assertThrows(IllegalArgumentException.class, () -> lm.forward(tooLong, null, null));
            assertTrue(e.getMessage().contains("33 positions"), e.getMessage());
        }
    }

    @Test
    @DisplayName("gpt2 counted without weights; PEFT's LoRA line for its default target (c_attn)")
    void gpt2Counts() {
        Gpt2LmHeadModel lm = new Gpt2LmHeadModel(Gpt2Config.named("gpt2"));
        assertEquals(124_439_808L, ModuleTree.countParameters(lm));
        PeftModel peft = Peft.lora().r(8).task(TaskType.CAUSAL_LM).apply(lm);
        assertEquals(
                "trainable params: 294,912 || all params: 124,734,720 || trainable%: 0.23643136409814364",
                peft.getNbTrainableParameters().toString());
    }

    @Test
    @DisplayName("a checkpoint of the bare GPT2Model (no 'transformer.' prefix, attn.bias buffers) loads; save writes "
            + "GPT2LMHeadModel's keys")
    void checkpointLayouts(@TempDir Path dir) throws Exception {
        Path bare = Files.createDirectories(dir.resolve("bare"));
        Files.copy(tinyGpt2().resolve("config.json"), bare.resolve("config.json"));
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsFile file = SafetensorsFile.open(tinyGpt2().resolve("model.safetensors"))) {
            Map<String, Tensor> renamed = new LinkedHashMap<>();
            for (String name : file.names()) {
                renamed.put(name.substring("transformer.".length()), Tensor.of(file.toNDArray(name, m)));
            }
            renamed.put("h.0.attn.bias", Tensor.of(m.ones(new Shape(1, 1, 32, 32)))); // old checkpoints' causal buffer
            SafetensorsWriter.write(bare.resolve("model.safetensors"), renamed, Map.of("format", "pt"));
            NDArray ids = m.create(new long[] {63, 10, 20, 30}, new Shape(1, 4));
            var fromBare = AutoModelForCausalLM.fromPretrained(bare);
            assertInstanceOf(Gpt2LmHeadModel.class, fromBare);
            try (Gpt2LmHeadModel reference = Gpt2LmHeadModel.fromPretrained(tinyGpt2())) {
                assertArrayEquals(
                        reference.forward(ids, null, null).logits().toFloatArray(),
                        fromBare.forward(ids, null, null).logits().toFloatArray(),
                        0f);
            }
            fromBare.savePretrained(dir.resolve("saved"));
            try (SafetensorsFile saved =
                    SafetensorsFile.open(dir.resolve("saved").resolve("model.safetensors"))) {
                assertEquals(
                        new TreeSet<>(file.names()),
                        new TreeSet<>(saved.names()),
                        "transformer.* keys, tied head not stored");
            }
            fromBare.close();
        }
    }

    @Test
    @DisplayName("fan_in_fan_out=true on Linear layers is turned off in the applied config, as PEFT does")
    void fanInFanOutOnLinear() {
        var opt = ai.peft4j.models.opt.OptForCausalLM.fromConfig(
                ai.peft4j.models.opt.OptConfig.builder()
                        .set("vocab_size", 40)
                        .set("hidden_size", 16)
                        .set("word_embed_proj_dim", 16)
                        .set("num_hidden_layers", 1)
                        .set("num_attention_heads", 2)
                        .set("ffn_dim", 32)
                        .set("max_position_embeddings", 32)
                        .build(),
                1);
        LoraConfig asked = LoraConfig.builder()
                .r(2)
                .targetModules("q_proj")
                .fanInFanOut(true)
                .taskType(TaskType.CAUSAL_LM)
                .build();
        try (PeftModel peft = PeftModel.getPeftModel(opt, asked)) {
            assertTrue(!((LoraConfig) peft.activePeftConfig()).fanInFanOut());
        }
    }

    @Test
    @DisplayName(
            "LoRA on Conv1D sets fan_in_fan_out (in the saved config too); merged weights give the unmerged outputs")
    void loraOnConv1D() {
        try (NDManager m = NDManager.newBaseManager()) {
            PeftModelForCausalLM peft = (PeftModelForCausalLM) Peft.lora()
                    .r(4)
                    .targets("c_attn", "c_fc")
                    .task(TaskType.CAUSAL_LM)
                    .apply(Gpt2LmHeadModel.fromPretrained(tinyGpt2()));
            assertTrue(
                    ((LoraConfig) peft.activePeftConfig()).fanInFanOut(), "set on the config, which is saved, as PEFT");
            LoraLinear layer = (LoraLinear) ModuleTree.get(peft.getBaseModel(), "transformer.h.0.attn.c_attn");
            assertEquals(16, layer.inFeatures());
            assertEquals(48, layer.outFeatures());
            try (GradMode.Scope off = GradMode.off()) { // non-zero B, so the adapter changes the outputs
                peft.trainableParameters()
                        .values()
                        .forEach(p -> Weights.copyInto(
                                p.getArray(),
                                p.getArray()
                                        .getManager()
                                        .randomNormal(
                                                0,
                                                0.3f,
                                                p.getArray().getShape(),
                                                p.getArray().getDataType(),
                                                p.getArray().getDevice())));
            }
            NDArray ids = m.create(new long[] {63, 10, 20, 30, 40}, new Shape(1, 5));
            float[] unmerged = peft.forward(ids, null, null).logits().toFloatArray();
            var merged = (Gpt2LmHeadModel) peft.mergeAndUnload();
            float[] plain = merged.forward(ids, null, null).logits().toFloatArray();
            float[] base;
            try (Gpt2LmHeadModel original = Gpt2LmHeadModel.fromPretrained(tinyGpt2())) {
                base = original.forward(ids, null, null).logits().toFloatArray();
            }
            assertArrayEquals(unmerged, plain, 1e-4f);
            double moved = 0;
            for (int i = 0; i < base.length; i++) {
                moved = Math.max(moved, Math.abs(base[i] - unmerged[i]));
            }
            assertTrue(moved > 1e-2, "the adapter changed the outputs by " + moved);
            merged.close();
        }
    }
}
