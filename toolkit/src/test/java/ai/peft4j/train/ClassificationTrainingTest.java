package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForSequenceClassification;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.roberta.RobertaConfig;
import ai.peft4j.models.roberta.RobertaForSequenceClassification;
import ai.peft4j.tuners.Initialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("PeftTrainer on a tiny RoBERTa classifier")
class ClassificationTrainingTest {

    @Test
    @DisplayName("SEQ_CLS data trains with the model's own classification loss (smoke test)")
    void trainsClassifier() {
        RobertaConfig config = RobertaConfig.builder()
                .set("vocab_size", 16)
                .set("hidden_size", 16)
                .set("num_hidden_layers", 1)
                .set("num_attention_heads", 2)
                .set("intermediate_size", 32)
                .set("max_position_embeddings", 32)
                .set("type_vocab_size", 1)
                .set("layer_norm_eps", 1e-5)
                .set("num_labels", 2)
                .set("hidden_dropout_prob", 0.0)
                .set("attention_probs_dropout_prob", 0.0)
                .build();
        Initialization.manualSeed(5);
        PeftModel peft = Peft.lora()
                .r(4)
                .alpha(8)
                .targets("query", "value")
                .modulesToSave("classifier")
                .task(TaskType.SEQ_CLS)
                .apply(RobertaForSequenceClassification.fromConfig(config, 2));
        // "good" (7) means class 1, "bad" (8) class 0; filler words around them.
        Random rnd = new Random(0);
        List<String> texts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        String[] filler = {"the", "cat", "sat", "on", "mat"};
        for (int i = 0; i < 32; i++) {
            boolean good = rnd.nextBoolean();
            texts.add(filler[rnd.nextInt(5)] + " " + (good ? "good" : "bad") + " " + filler[rnd.nextInt(5)]);
            labels.add(good ? 1 : 0);
        }
        Map<String, Integer> vocab = new java.util.HashMap<>(TextDatasetTest.VOCAB);
        vocab.put("<s>", 9);
        TextDataset data = TextDataset.classification(texts, labels, TextTokenizer.words(vocab, 10, 1), 8);
        try (PeftTrainer t = PeftTrainer.builder(peft)
                .trainData(data)
                .evalData(data)
                .evalSteps(40)
                .batchSize(8)
                .learningRate(1e-2)
                .epochs(10)
                .progressBar(false)
                .build()) {
            double before = t.evaluate();
            t.train();
            assertEquals(40, t.globalStep());
            double after = t.records().get(39).evalLoss();
            // A randomly initialised encoder passes little signal; the check is that the SEQ_CLS path runs
            // end to end and the loss moves down, not how fast.
            assertTrue(Double.isFinite(after) && after < before, "eval loss " + before + " -> " + after);
            assertTrue(
                    t.trainableParameters().keySet().stream().anyMatch(k -> k.contains("classifier")),
                    "the head trains (modules_to_save)");
        }
        peft.close();
    }

    @Test
    @DisplayName("prompt learning trains through the PeftModel's forward: the virtual tokens learn, the head copy too")
    void pTuningTrainsVirtualTokens() {
        RobertaConfig config = RobertaConfig.builder()
                .set("vocab_size", 16)
                .set("hidden_size", 16)
                .set("num_hidden_layers", 1)
                .set("num_attention_heads", 2)
                .set("intermediate_size", 32)
                .set("max_position_embeddings", 32)
                .set("type_vocab_size", 1)
                .set("layer_norm_eps", 1e-5)
                .set("num_labels", 2)
                .set("initializer_range", 0.2)
                .set("hidden_dropout_prob", 0.0)
                .set("attention_probs_dropout_prob", 0.0)
                .build();
        Initialization.manualSeed(5);
        PeftModelForSequenceClassification peft = (PeftModelForSequenceClassification) Peft.pTuning()
                .virtualTokens(2)
                .encoderHiddenSize(8)
                .task(TaskType.SEQ_CLS)
                .apply(RobertaForSequenceClassification.fromConfig(config, 2));
        List<String> texts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        String[] filler = {"the", "cat", "sat", "on", "mat"};
        Random rnd = new Random(0);
        for (int i = 0; i < 16; i++) {
            boolean good = i % 2 == 0;
            texts.add(filler[rnd.nextInt(5)] + " " + (good ? "good" : "bad") + " " + filler[rnd.nextInt(5)]);
            labels.add(good ? 1 : 0);
        }
        Map<String, Integer> vocab = new java.util.HashMap<>(TextDatasetTest.VOCAB);
        TextDataset data = TextDataset.classification(texts, labels, TextTokenizer.words(vocab, 10, 1), 8);
        float[] before =
                peft.promptEncoder("default").embedding().weight().getArray().toFloatArray();
        try (NDManager m = NDManager.newBaseManager();
                PeftTrainer t = PeftTrainer.builder(peft)
                        .trainData(data)
                        .evalData(data)
                        .batchSize(16)
                        .learningRate(1e-2)
                        .maxSteps(20)
                        .progressBar(false)
                        .build()) {
            TextDataset.Batch all =
                    data.collate(java.util.stream.IntStream.range(0, 16).toArray(), m);
            double evalBefore = t.evaluate();
            assertEquals(
                    peft.forward(all.inputIds(), all.attentionMask(), all.labels())
                            .loss()
                            .getFloat(),
                    evalBefore,
                    1e-5,
                    "the trainer's loss is the PeftModel's loss, with the virtual tokens");
            t.train();
            double evalAfter = peft.forward(all.inputIds(), all.attentionMask(), all.labels())
                    .loss()
                    .getFloat();
            assertTrue(evalAfter < evalBefore, "PEFT-forward loss " + evalBefore + " -> " + evalAfter);
            assertEquals(evalAfter, t.evaluate(), 1e-5);
        }
        float[] after =
                peft.promptEncoder("default").embedding().weight().getArray().toFloatArray();
        assertTrue(!java.util.Arrays.equals(before, after), "the virtual-token table trained");
        peft.close();
    }
}
