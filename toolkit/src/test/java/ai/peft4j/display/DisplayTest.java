package ai.peft4j.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.ParameterTable;
import ai.peft4j.tuners.lora.LoraConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

@DisplayName("Display")
class DisplayTest {

    static LoraConfig tutorialConfig() {
        return Peft.lora()
                .r(16)
                .alpha(32)
                .dropout(0.05)
                .targets("q_proj", "v_proj")
                .task(TaskType.CAUSAL_LM)
                .build();
    }

    @Test
    @DisplayName("a config knows which fields differ from PEFT's defaults")
    void nonDefaults() {
        assertEquals(
                Set.of("lora_alpha", "lora_dropout", "r", "target_modules", "task_type"),
                tutorialConfig().nonDefaultKeys());
        assertEquals(Set.of(), LoraConfig.builder().build().nonDefaultKeys());
        assertEquals(
                Set.of("encoder_hidden_size", "num_virtual_tokens", "task_type"),
                Peft.pTuning()
                        .task(TaskType.SEQ_CLS)
                        .virtualTokens(20)
                        .encoderHiddenSize(128)
                        .build()
                        .nonDefaultKeys());
    }

    @Test
    @DisplayName("a config prints as aligned text in JShell, non-defaults starred")
    void configText() {
        String text = tutorialConfig().toString();
        assertTrue(text.startsWith("LoraConfig (LORA, CAUSAL_LM)\n"), text);
        assertTrue(text.contains("* r                        16\n"), text);
        assertTrue(text.contains("  bias                     \"none\"\n"), text);
        assertTrue(text.contains("* target_modules           [\"q_proj\", \"v_proj\"]\n"), text);
        assertTrue(text.contains("* lora_dropout             0.05\n"), text);
        assertFalse(text.contains("@"), "no identity hash codes");
    }

    @Test
    @DisplayName("a config card shows the method, the fields and the JSON it saves, escaped")
    void configCard() {
        String html = Display.html(tutorialConfig());
        assertTrue(html.contains("<b>LoraConfig</b>"), html);
        assertTrue(html.contains("● r"), html);
        assertTrue(html.contains("&quot;lora_alpha&quot;: 32"), "saved JSON shown, quotes escaped");
        assertFalse(html.contains("<script"), "static HTML only");
        String hostile =
                Display.html(LoraConfig.builder().targetModules("<img src=x>").build());
        assertFalse(hostile.contains("<img"), "values are escaped");
    }

    @Test
    @DisplayName("a PeftModel shows its base, adapters and PEFT's parameter figures")
    void modelCard() {
        PeftModel peft = Peft.getPeftModel(new OptForCausalLM(OptConfig.named("facebook/opt-350m")), tutorialConfig());
        String html = Display.html(peft);
        assertTrue(html.contains("OptForCausalLM"), html);
        assertTrue(html.contains("1,572,864"), html);
        assertTrue(html.contains("332,769,280"), html);
        assertTrue(html.contains("0.472659014678278"), html);
        String text = Display.text(peft);
        assertTrue(
                text.endsWith(
                        "trainable params: 1,572,864 || all params: 332,769,280 || trainable%: 0.472659014678278"),
                text);
        assertTrue(text.contains("active adapter    default"), text);
    }

    @Test
    @DisplayName("the parameter table lists every tensor and sums by module type")
    void parameterTable() {
        PeftModel peft = Peft.getPeftModel(
                new OptForCausalLM(OptConfig.named("facebook/opt-125m")),
                Peft.lora().r(16).targets("q_proj", "v_proj").build());
        Table t = peft.parameterTable();
        assertEquals(List.of("module", "parameter", "type", "shape", "parameters", "trainable"), t.columnNames());
        Table trainable = t.where(t.booleanColumn("trainable").isTrue());
        assertEquals(48, trainable.rowCount(), "A and B for q and v in 12 layers");
        assertEquals(589_824L, (long) trainable.longColumn("parameters").sum());
        Table byType = ParameterTable.byType(t);
        assertEquals(125_829_120L, (long) byType.longColumn("parameters").sum());
        int linear = byType.stringColumn("type").indexOf("Linear");
        assertEquals(589_824L, byType.longColumn("trainable parameters").get(linear));
        assertTrue(Display.html(t).contains("more rows of"), "long tables are cut");
    }

    @Test
    @DisplayName("arrays and collections never print as identity hash codes")
    void fallbacks() {
        assertEquals("[1.0, 2.0]", Display.text(new float[] {1, 2}));
        assertEquals("[[1, 2], [3]]", Display.text(new int[][] {{1, 2}, {3}}));
        assertNull(Display.html("plain"));
        try (NDManager m = NDManager.newBaseManager()) {
            String text = Display.text(m.arange(20f).reshape(4, 5));
            assertTrue(text.startsWith("NDArray (4, 5) float32 on cpu()"), text);
            assertTrue(text.contains("[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0] ..."), text);
        }
        Map<String, String> bundle = Display.mimeBundle(tutorialConfig());
        assertEquals(Set.of("text/plain", "text/html"), bundle.keySet());
    }
}
