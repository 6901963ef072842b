package ai.peft4j.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.ParameterTable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A module tree and a parameter table as rich notebook outputs")
class ModuleTreeDisplayTest {

    @Test
    @DisplayName("the tree is foldable HTML with parameter counts, and PyTorch's printout as text")
    void moduleTree() {
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock mlp = new SequentialBlock()
                    .add(Linear.builder().setUnits(8).build())
                    .add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(4).build());
            mlp.initialize(m, DataType.FLOAT32, new Shape(1, 6));
            PeftModel peft = Peft.lora().r(2).targets("0").apply(mlp);

            MimeBundle b = new MimeRenderer().render(Display.moduleTree(peft.getBaseModel()));
            assertEquals(ModuleTree.describe(peft.getBaseModel()), b.get(MimeBundle.TEXT));
            String html = b.get(MimeBundle.HTML);
            // the root: 6*8+8 + 8*4+4 base weights, LoRA A 2*6 and B 8*2 train
            assertTrue(html.contains("<b>SequentialBlock</b> <span style=\"color:#888\">120 params"), html);
            assertTrue(html.contains("28 trainable"), html);
            assertTrue(html.contains("<details open><summary>(0): <b>LoraLinear</b>"), html);
            assertTrue(html.contains("(2): <b>Linear(in_features=8, out_features=4, bias=True)</b>"), html);
            assertTrue(!html.contains("<script"), html);
        }
    }

    @Test
    @DisplayName("the parameter table (Tablesaw) is HTML with every parameter, and aligned text")
    void parameterTable() {
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock mlp = new SequentialBlock()
                    .add(Linear.builder().setUnits(8).build())
                    .add(Linear.builder().setUnits(4).build());
            mlp.initialize(m, DataType.FLOAT32, new Shape(1, 6));
            MimeBundle b = new MimeRenderer().render(ParameterTable.of(mlp));
            String html = b.get(MimeBundle.HTML);
            assertTrue(html.startsWith("<b>parameters</b><table"), html);
            assertTrue(html.contains(">trainable</th>") && html.contains(">weight</td>"), html);
            assertEquals(4, html.split(">weight</td>|>bias</td>", -1).length - 1, html);
            assertTrue(b.get(MimeBundle.TEXT).contains("parameters"), b.get(MimeBundle.TEXT));
        }
    }
}
