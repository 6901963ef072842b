package ai.peft4j.tuners.ia3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.gpt2.Gpt2Config;
import ai.peft4j.models.gpt2.Gpt2LmHeadModel;
import ai.peft4j.models.llama.LlamaConfig;
import ai.peft4j.models.llama.LlamaForCausalLM;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.models.roberta.RobertaConfig;
import ai.peft4j.models.roberta.RobertaForSequenceClassification;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.tuners.ModulesToSaveWrapper;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** IA3 on peft4j's architectures with PEFT's default target and feed-forward modules, counted without weights. */
@DisplayName("IA3Model")
class IA3ModelTest {

    private static Map<String, IA3Linear> layers(PeftModel peft) {
        return ((IA3Model) peft.baseModel()).ia3Layers();
    }

    private static Set<String> leaves(Map<String, IA3Linear> layers, boolean feedforward) {
        return layers.entrySet().stream()
                .filter(e -> e.getValue().isFeedforward() == feedforward)
                .map(e -> e.getKey().replaceAll("^.*\\.\\d+\\.", ""))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    @DisplayName("opt-125m with the default targets prints PEFT's line")
    void opt125m() {
        PeftModel peft =
                Peft.ia3().task(TaskType.CAUSAL_LM).apply(new OptForCausalLM(OptConfig.named("facebook/opt-125m")));
        assertEquals(
                "trainable params: 55,296 || all params: 125,294,592 || trainable%: 0.044132790663462956",
                peft.getNbTrainableParameters().toString());
        assertTrue(
                ModuleTree.uniqueParameters(peft).values().stream().noneMatch(Parameter::isInitialized),
                "nothing was allocated");
        Map<String, IA3Linear> layers = layers(peft);
        assertEquals(12 * 3, layers.size());
        assertEquals(Set.of("self_attn.q_proj", "self_attn.k_proj"), leaves(layers, false));
        assertEquals(Set.of("fc2"), leaves(layers, true));
        assertEquals(
                new Shape(1, 3072),
                layers.get("model.decoder.layers.0.fc2").ia3L("default").getShape());
        assertEquals(
                new Shape(768, 1),
                layers.get("model.decoder.layers.0.self_attn.q_proj")
                        .ia3L("default")
                        .getShape());
    }

    @Test
    @DisplayName("gpt2: c_attn and mlp.c_proj (feed-forward) are Conv1D, so fan_in_fan_out becomes true")
    void gpt2() {
        PeftModel peft = Peft.ia3().task(TaskType.CAUSAL_LM).apply(new Gpt2LmHeadModel(Gpt2Config.named("gpt2")));
        Map<String, IA3Linear> layers = layers(peft);
        assertEquals(Set.of("attn.c_attn"), leaves(layers, false));
        assertEquals(Set.of("mlp.c_proj"), leaves(layers, true), "attn.c_proj is not a target");
        assertTrue(layers.values().stream().allMatch(IA3Linear::fanInFanOut));
        IA3Config applied = (IA3Config) peft.activePeftConfig();
        assertTrue(applied.fanInFanOut(), "saved as PEFT saves it");
        assertEquals(
                List.of("c_attn", "mlp.c_proj"),
                List.copyOf(applied.targetModules().names()));
        assertEquals(
                new Shape(2304, 1),
                layers.get("transformer.h.0.attn.c_attn").ia3L("default").getShape());
        assertEquals(
                new Shape(1, 3072),
                layers.get("transformer.h.0.mlp.c_proj").ia3L("default").getShape());
        assertEquals(12 * (2304 + 3072), peft.getNbTrainableParameters().trainable());
    }

    @Test
    @DisplayName("llama: k_proj, v_proj and down_proj (feed-forward)")
    void llama() {
        PeftModel peft = Peft.ia3()
                .task(TaskType.CAUSAL_LM)
                .apply(new LlamaForCausalLM(LlamaConfig.named("meta-llama/Llama-2-7b-hf")));
        Map<String, IA3Linear> layers = layers(peft);
        assertEquals(Set.of("self_attn.k_proj", "self_attn.v_proj"), leaves(layers, false));
        assertEquals(Set.of("mlp.down_proj"), leaves(layers, true));
        assertEquals(32 * (4096 + 4096 + 11008), peft.getNbTrainableParameters().trainable());
    }

    @Test
    @DisplayName(
            "roberta: key, value and both output.dense layers (feed-forward, by PEFT's endswith); the classifier trains whole")
    void roberta() {
        PeftModel peft = Peft.ia3()
                .task(TaskType.SEQ_CLS)
                .apply(new RobertaForSequenceClassification(RobertaConfig.named("roberta-base")));
        Map<String, IA3Linear> layers = layers(peft);
        assertEquals(Set.of("attention.self.key", "attention.self.value"), leaves(layers, false));
        assertEquals(Set.of("attention.output.dense", "output.dense"), leaves(layers, true));
        assertTrue(ModuleTree.get(peft.getBaseModel(), "classifier") instanceof ModulesToSaveWrapper);
        assertTrue(peft.trainableParameters().keySet().stream()
                .allMatch(k -> k.contains(".ia3_l.") || k.contains(".modules_to_save.default.")));
    }

    @Test
    @DisplayName("explicit targets keep the model type's feed-forward modules when those are among them")
    void explicitTargets() {
        PeftModel peft =
                Peft.ia3().targets("v_proj", "fc2").apply(new OptForCausalLM(OptConfig.named("facebook/opt-125m")));
        IA3Config applied = (IA3Config) peft.activePeftConfig();
        assertEquals(Set.of("fc2"), applied.feedforwardModules().names());
        assertEquals(12 * (768 + 3072), peft.getNbTrainableParameters().trainable());
    }

    @Test
    @DisplayName(
            "explicit targets without the default feed-forward modules are refused with the way out, model untouched")
    void defaultFeedforwardOutsideTargets() {
        OptForCausalLM lm = new OptForCausalLM(OptConfig.named("facebook/opt-125m"));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Peft.ia3().targets("q_proj", "v_proj").apply(lm));
        assertTrue(e.getMessage().contains("[fc2]") && e.getMessage().contains("empty list"), e.getMessage());
        assertTrue(ModuleTree.namedModules(lm).values().stream().noneMatch(b -> b instanceof IA3Linear));
        // Saying "none of them is feed-forward" works.
        PeftModel peft = Peft.ia3().targets("q_proj", "v_proj").feedforwards().apply(lm);
        assertTrue(layers(peft).values().stream().noneMatch(IA3Linear::isFeedforward));
    }

    @Test
    @DisplayName("a custom model needs target_modules and feedforward_modules, as PEFT says")
    void customModel() {
        Block mlp = new SequentialBlock()
                .add(new Linear(10, 20, true))
                .add(Activation::relu)
                .add(new Linear(20, 2, true));
        IllegalArgumentException noTargets =
                assertThrows(IllegalArgumentException.class, () -> Peft.ia3().apply(mlp));
        assertTrue(
                noTargets.getMessage().startsWith("Please specify `target_modules` in `peft_config`"),
                noTargets.getMessage());
        IllegalArgumentException noFeedforward = assertThrows(
                IllegalArgumentException.class,
                () -> Peft.ia3().targets("0", "2").apply(mlp));
        assertTrue(
                noFeedforward.getMessage().startsWith("Please specify `feedforward_modules` in `peft_config`"),
                noFeedforward.getMessage());
        assertFalse(ModuleTree.namedModules(mlp).values().stream().anyMatch(b -> b instanceof IA3Linear));

        PeftModel peft = Peft.ia3().targets("0", "2").feedforwards("2").apply(mlp);
        assertEquals(20 + 20, peft.getNbTrainableParameters().trainable(), "out of seq.0, in of seq.2");
    }

    @Test
    @DisplayName("a non-linear target is refused and nothing is wrapped")
    void nonLinear() {
        OptForCausalLM lm = new OptForCausalLM(OptConfig.named("facebook/opt-125m"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Peft.ia3()
                .targets("q_proj", "self_attn_layer_norm")
                .feedforwards()
                .apply(lm));
        assertTrue(e.getMessage().contains("is not supported"), e.getMessage());
        assertTrue(ModuleTree.namedModules(lm).values().stream().noneMatch(b -> b instanceof IA3Linear));
    }
}
