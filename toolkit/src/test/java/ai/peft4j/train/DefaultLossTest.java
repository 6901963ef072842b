package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.tuners.Initialization;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The trainer's default loss is the PEFT model's own ({@link PeftModel#loss}). */
@DisplayName("The default training loss comes from the model")
class DefaultLossTest {

    @Test
    @DisplayName("a plain PeftModel over a causal LM uses the LM's loss, as PEFT's forward with labels does")
    void plainPeftModelOverCausalLm() {
        OptForCausalLM lm = OptForCausalLM.fromConfig(Tiny.config(0.0), 1);
        Initialization.manualSeed(7);
        try (PeftModel peft = Peft.lora().r(4).targets("q_proj").apply(lm);
                NDManager m = NDManager.newBaseManager()) {
            assertTrue(!(peft instanceof PeftModelForCausalLM), "no task type: a plain PeftModel");
            TextDataset.Batch b = Tiny.countingData(4, 1).collate(new int[] {0, 1, 2, 3}, m);
            ParameterStore ps = new ParameterStore(m, false);
            float viaPeft = peft.loss(ps, b.inputIds(), b.attentionMask(), b.labels(), false)
                    .getFloat();
            float viaLm = lm.loss(ps, LmInputs.of(b.inputIds(), b.attentionMask(), b.labels()), false)
                    .getFloat();
            assertEquals(viaLm, viaPeft, 0f);
        }
    }

    @Test
    @DisplayName("a model without a loss of its own says to give the trainer one")
    void customModelNeedsALossFunction() {
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock mlp = new SequentialBlock()
                    .add(Linear.builder().setUnits(8).build())
                    .add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(4).build());
            mlp.initialize(m, DataType.FLOAT32, new Shape(1, 6));
            PeftModel peft = Peft.lora().r(2).targets("0").apply(mlp);
            PeftTrainer t = PeftTrainer.builder(peft)
                    .trainData(TextDataset.ofTokenIds(List.of(new int[] {1, 2, 3}), 0))
                    .batchSize(1)
                    .maxSteps(1)
                    .progressBar(false)
                    .build();
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, t::train);
            assertTrue(
                    e.getMessage().contains("SequentialBlock has no loss of its own")
                            && e.getMessage().contains("lossFunction("),
                    e.getMessage());
            t.close();
        }
    }
}
