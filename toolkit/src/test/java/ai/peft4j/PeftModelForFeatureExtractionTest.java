package ai.peft4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.BaseModelOutput;
import ai.peft4j.models.PreTrainedBaseModel;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.models.auto.AutoModel;
import ai.peft4j.models.bert.BareBertModel;
import ai.peft4j.models.bert.BertConfig;
import ai.peft4j.models.bert.BertForTokenClassification;
import ai.peft4j.tuners.lora.LoraLinear;
import ai.peft4j.tuners.lora.LoraModel;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEFT's {@code FEATURE_EXTRACTION} task on a tiny bare BERT (the architecture of {@code reference/tiny_bert}). */
@DisplayName("PeftModelForFeatureExtraction (FEATURE_EXTRACTION)")
class PeftModelForFeatureExtractionTest {

    private NDManager m;
    private NDArray ids;
    private NDArray mask;

    static BertConfig tinyConfig() {
        try {
            return BertConfig.fromPretrained(Path.of(PeftModelForFeatureExtractionTest.class
                            .getResource("/reference/tiny_bert/tokcls/config.json")
                            .toURI())
                    .getParent());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void inputs() {
        m = NDManager.newBaseManager();
        ids = m.create(new long[][] {{2, 5, 7, 9}, {3, 4, 6, 0}});
        mask = m.create(new long[][] {{1, 1, 1, 1}, {1, 1, 1, 0}});
    }

    @AfterEach
    void close() {
        m.close();
    }

    private static float[] hidden(BaseModelOutput out) {
        return out.lastHiddenState().toFloatArray();
    }

    @Test
    @DisplayName("LoRA: the features are the base model's at init, change with the adapter, and load back")
    void loraFeatures(@TempDir Path tmp) {
        Path baseDir = tmp.resolve("bert");
        Path adapterDir = tmp.resolve("bert-lora");
        BareBertModel bert = BareBertModel.fromConfig(tinyConfig(), 7);
        bert.savePretrained(baseDir);
        bert.setNameOrPath(baseDir.toString());
        float[] base = hidden(bert.forward(ids, mask));
        try (PreTrainedBaseModel again = AutoModel.fromPretrained(baseDir)) {
            assertInstanceOf(BareBertModel.class, again);
            assertArrayEquals(base, hidden(again.forward(ids, mask)), 1e-6f, "AutoModel loads the saved bare model");
        }

        PeftModel applied = Peft.lora()
                .r(4)
                .targets("query", "value")
                .task(TaskType.FEATURE_EXTRACTION)
                .apply(bert);
        PeftModelForFeatureExtraction peft = assertInstanceOf(PeftModelForFeatureExtraction.class, applied);
        assertTrue(peft.trainableParameters()
                .containsKey("base_model.model.encoder.layer.0.attention.self.query" + ".lora_A.default.weight"));
        BaseModelOutput out = peft.forward(ids, mask);
        assertEquals(new Shape(2, 4, 16), out.lastHiddenState().getShape());
        assertEquals(new Shape(2, 16), out.poolerOutput().getShape());
        assertArrayEquals(base, hidden(out), 1e-6f, "lora_B starts at zero");

        for (LoraLinear layer : ((LoraModel) peft.baseModel()).loraLayers().values()) {
            layer.loraB("default").weight().getArray().addi(0.25f);
        }
        float[] changed = hidden(peft.forward(ids, mask));
        float maxDiff = 0;
        for (int i = 0; i < base.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(changed[i] - base[i]));
        }
        assertTrue(maxDiff > 1e-3, "the adapter changes the features, by " + maxDiff);

        peft.savePretrained(adapterDir);
        try (PeftModelForFeatureExtraction loaded = AutoPeftModelForFeatureExtraction.fromPretrained(adapterDir)) {
            assertInstanceOf(BareBertModel.class, loaded.getBaseModel());
            assertArrayEquals(changed, hidden(loaded.forward(ids, mask)), 1e-5f, "saved and loaded");
            assertTrue(loaded.trainableParameters().isEmpty(), "loaded for inference");
        }
        try (PeftModelForFeatureExtraction trainable =
                AutoPeftModel.fromPretrained(adapterDir, true, PeftModelForFeatureExtraction.class)) {
            assertEquals(
                    peft.trainableParameters().keySet(),
                    trainable.trainableParameters().keySet(),
                    "loaded to train further");
        }
        IllegalArgumentException wrongTask = assertThrows(
                IllegalArgumentException.class,
                () -> AutoPeftModel.fromPretrained(adapterDir, false, PeftModelForCausalLM.class));
        assertTrue(wrongTask.getMessage().contains("FEATURE_EXTRACTION, not CAUSAL_LM"), wrongTask.getMessage());
        bert.close();
    }

    @Test
    @DisplayName("prompt tuning: n virtual tokens go before the inputs, as inputs_embeds with the mask extended")
    void promptTuningPrependsVirtualTokens() {
        try (BareBertModel bert = BareBertModel.fromConfig(tinyConfig(), 7)) {
            PeftModelForFeatureExtraction peft = (PeftModelForFeatureExtraction) Peft.promptTuning()
                    .virtualTokens(3)
                    .task(TaskType.FEATURE_EXTRACTION)
                    .apply(bert);
            NDArray features = peft.forward(ids, mask).lastHiddenState();
            assertEquals(new Shape(2, 3 + 4, 16), features.getShape());

            // What PEFT runs: the base model on cat(prompt embeddings, word embeddings) with ones before the mask.
            ParameterStore ps = new ParameterStore(m, false);
            NDArray prompts = peft.promptEncoder("default")
                    .embedding()
                    .weight()
                    .getArray()
                    .expandDims(0)
                    .repeat(0, 2);
            NDArray words = bert.inputEmbeddings().forward(ps, ids, false);
            NDArray embeds = NDArrays.concat(new NDList(prompts.toDevice(words.getDevice(), true), words), 1);
            NDArray longMask = m.ones(new Shape(2, 3), mask.getDataType()).concat(mask, 1);
            NDArray expected = bert.forward(ps, new SequenceClassifierInputs(null, embeds, longMask, null, null), false)
                    .lastHiddenState();
            assertArrayEquals(expected.toFloatArray(), features.toFloatArray(), 1e-5f);

            try (PeftModel.AdapterSwitch off = peft.disableAdapter()) {
                assertEquals(
                        new Shape(2, 4, 16),
                        peft.forward(ids, mask).lastHiddenState().getShape());
            }
        }
    }

    @Test
    @DisplayName(
            "AutoModel takes the encoder of a checkpoint saved with a head (keys under 'bert.'), as transformers does")
    void bareModelFromCheckpointWithHead() throws Exception {
        Path dir = Path.of(getClass()
                        .getResource("/reference/tiny_bert/tokcls/model.safetensors")
                        .toURI())
                .getParent();
        try (PreTrainedBaseModel bare = AutoModel.fromPretrained(dir);
                ai.peft4j.io.safetensors.SafetensorsFile file =
                        ai.peft4j.io.safetensors.SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertTrue(file.names().contains("bert.encoder.layer.0.attention.self.query.weight"));
            for (String key : java.util.List.of(
                    "embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight")) {
                float[] stored = file.toNDArray("bert." + key, m).toFloatArray();
                float[] loaded = ai.peft4j.nn.ModuleTree.namedParameters(bare)
                        .get(key)
                        .getArray()
                        .toFloatArray();
                assertArrayEquals(stored, loaded, 0f, key);
            }
        }
    }

    @Test
    @DisplayName("FEATURE_EXTRACTION needs a bare model")
    void refusesAModelWithHead() {
        try (BertForTokenClassification withHead = BertForTokenClassification.fromConfig(tinyConfig(), 7)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Peft.lora()
                    .targets("query")
                    .task(TaskType.FEATURE_EXTRACTION)
                    .apply(withHead));
            assertTrue(e.getMessage().contains("bare model"), e.getMessage());
        }
    }
}
