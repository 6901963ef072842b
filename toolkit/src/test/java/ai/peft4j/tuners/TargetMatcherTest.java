package ai.peft4j.tuners;

import static ai.peft4j.tuners.TargetMatcher.Outcome.EXCLUDED;
import static ai.peft4j.tuners.TargetMatcher.Outcome.NOT_TARGETED;
import static ai.peft4j.tuners.TargetMatcher.Outcome.TARGETED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.tuners.lora.LoraConfig;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PEFT's check_target_module_exists, case by case. Every expected outcome was checked against PEFT 0.10's
 * function (with the exclude_modules step of later versions) in Python.
 */
class TargetMatcherTest {

    static final String Q0 = "model.decoder.layers.0.self_attn.q_proj";
    static final String Q1 = "model.decoder.layers.1.self_attn.q_proj";
    static final List<String> QV = List.of("q_proj", "v_proj");

    /** targets / exclude: a List means names, a String means a regex; layers and pattern may be null. */
    static Stream<Arguments> cases() {
        return Stream.of(
                // names: the whole path, or a suffix that starts at a dot
                row(QV, null, null, null, Q0, TARGETED),
                row(QV, null, null, null, "model.decoder.layers.0.self_attn.xq_proj", NOT_TARGETED),
                row(QV, null, null, null, "q_proj", TARGETED),
                row(QV, null, null, null, Q0 + ".lora_A", NOT_TARGETED),
                row(QV, null, null, null, "model.decoder.layers.0.self_attn.k_proj", NOT_TARGETED),
                row(List.of("self_attn.q_proj"), null, null, null, Q0, TARGETED),
                row(List.of("attn.q_proj"), null, null, null, Q0, NOT_TARGETED),
                // DJL-style paths with positional children
                row(List.of("fc1"), null, null, null, "seq.0", NOT_TARGETED),
                row(List.of("0"), null, null, null, "seq.0", TARGETED),
                // a regex must match the whole path
                row(".*(q|v)_proj", null, null, null, Q0, TARGETED),
                row(".*(q|v)_proj", null, null, null, "model.decoder.layers.0.self_attn.k_proj", NOT_TARGETED),
                row("q_proj", null, null, null, Q0, NOT_TARGETED),
                row(".*layers\\.1\\..*q_proj", null, null, null, Q1, TARGETED),
                row(".*layers\\.1\\..*q_proj", null, null, null, Q0, NOT_TARGETED),
                // exclusions come first, with the same rules
                row(List.of("q_proj"), List.of("layers.0.self_attn.q_proj"), null, null, Q0, EXCLUDED),
                row(List.of("q_proj"), List.of("layers.0.self_attn.q_proj"), null, null, Q1, TARGETED),
                row(List.of("q_proj"), ".*\\.0\\..*", null, null, Q0, EXCLUDED),
                row(List.of("q_proj"), ".*\\.0\\..*", null, null, Q1, TARGETED),
                row(".*q_proj", List.of("q_proj"), null, null, Q0, EXCLUDED),
                // layers_to_transform with and without layers_pattern
                row(List.of("q_proj"), null, List.of(1), List.of("layers"), Q1, TARGETED),
                row(List.of("q_proj"), null, List.of(1), List.of("layers"), Q0, NOT_TARGETED),
                row(List.of("q_proj"), null, List.of(0), null, Q0, TARGETED),
                row(List.of("q_proj"), null, List.of(0, 1), null, Q1, TARGETED),
                row(List.of("q_proj"), null, List.of(), null, Q0, TARGETED),
                row(List.of("c_attn"), null, List.of(0), List.of("h"), "transformer.h.0.attn.c_attn", TARGETED),
                row(
                        List.of("c_attn"),
                        null,
                        List.of(0),
                        List.of("layers"),
                        "transformer.h.0.attn.c_attn",
                        NOT_TARGETED),
                row(
                        List.of("c_attn"),
                        null,
                        List.of(0),
                        List.of("layers", "h"),
                        "transformer.h.0.attn.c_attn",
                        TARGETED),
                // without a pattern PEFT 0.10 takes the LAST "<name>.<digits>." of the path
                row(List.of("w1"), null, List.of(0), null, "model.layers.1.experts.0.w1", TARGETED),
                row(List.of("w1"), null, List.of(1), null, "model.layers.1.experts.0.w1", NOT_TARGETED),
                row(List.of("w1"), null, List.of(1), List.of("layers"), "model.layers.1.experts.0.w1", TARGETED),
                row(List.of("out"), null, List.of(0), null, "encoder.block.0.layer.1.out", NOT_TARGETED),
                // the layer container needs a dot before it
                row(List.of("q_proj"), null, List.of(0), null, "layers.0.q_proj", NOT_TARGETED),
                row(List.of("q_proj"), null, List.of(0), List.of("layers"), "layers.0.q_proj", NOT_TARGETED),
                // a target naming the whole path skips the layer filter
                row(List.of(Q0), null, List.of(1), null, Q0, TARGETED));
    }

    @ParameterizedTest(name = "[{index}] targets={0} exclude={1} layers={2} pattern={3}: {4} -> {5}")
    @MethodSource("cases")
    void classifiesModulesLikePeft(
            Object targets,
            Object exclude,
            List<Integer> layers,
            List<String> pattern,
            String module,
            TargetMatcher.Outcome expected) {
        TargetMatcher m = new TargetMatcher(selector(targets), selector(exclude), layers, pattern);
        assertEquals(expected, m.check(module));
        assertEquals(expected == TARGETED, m.matches(module));
    }

    @Test
    void matcherFromLoraConfigUsesItsFields() {
        LoraConfig config = LoraConfig.builder()
                .targetModules(QV)
                .layersToTransform(1)
                .layersPattern("layers")
                .excludeModules("layers.1.self_attn.v_proj")
                .build();
        TargetMatcher m = TargetMatcher.of(config);

        List<String> modules = List.of(
                Q0,
                Q1,
                "model.decoder.layers.1.self_attn.v_proj",
                "model.decoder.layers.1.self_attn.k_proj",
                "lm_head");
        assertEquals(List.of(Q1), modules.stream().filter(m.asPredicate()).collect(Collectors.toList()));
    }

    @Test
    void allLinearAndUnsetTargetsMustBeResolvedByTheCaller() {
        TargetMatcher allLinear =
                TargetMatcher.of(LoraConfig.builder().targetAllLinear().build());
        assertTrue(allLinear.targetsAllLinear());
        assertThrows(IllegalStateException.class, () -> allLinear.matches(Q0));
        assertTrue(allLinear.withTargets(ModuleSelector.names("q_proj", "fc1")).matches(Q0));

        TargetMatcher unset = TargetMatcher.of(LoraConfig.builder().build());
        assertTrue(unset.needsDefaultTargets());
        assertFalse(unset.targetsAllLinear());
        assertThrows(IllegalStateException.class, () -> unset.matches(Q0));
    }

    @Test
    void layerIndexIsReadAsPeftReadsIt() {
        assertEquals(
                OptionalInt.of(3),
                TargetMatcher.layerIndex("model.decoder.layers.3.self_attn.q_proj", List.of("layers")));
        assertEquals(OptionalInt.of(11), TargetMatcher.layerIndex("transformer.h.11.attn.c_attn", List.of()));
        assertEquals(OptionalInt.of(11), TargetMatcher.layerIndex("transformer.h.11.attn.c_attn", null));
        assertEquals(OptionalInt.empty(), TargetMatcher.layerIndex("seq.0", List.of()));
        assertEquals(
                OptionalInt.empty(),
                TargetMatcher.layerIndex("model.decoder.layers.3.self_attn.q_proj", List.of("blocks")));
    }

    @Test
    void unmatchedTargetsAreTheNamesThatSelectNothing() {
        TargetMatcher m = new TargetMatcher(ModuleSelector.names("q_proj", "q_prj", "dense"), null, null, null);
        assertEquals(Set.of("q_prj", "dense"), m.unmatchedTargets(List.of(Q0, Q1, "model.decoder.layers.0.fc1")));
    }

    @Test
    void closestNamesSuggestExistingLeafNames() {
        List<String> modules = List.of(
                "model",
                "model.decoder",
                "model.decoder.layers.0",
                "model.decoder.layers.0.self_attn.q_proj",
                "model.decoder.layers.0.self_attn.k_proj",
                "model.decoder.layers.0.self_attn.v_proj",
                "model.decoder.layers.0.self_attn.out_proj",
                "model.decoder.layers.0.fc1",
                "model.decoder.layers.0.fc2",
                "lm_head",
                "seq.0");

        assertEquals(List.of("q_proj", "k_proj", "v_proj"), TargetMatcher.closestNames("q_prj", modules, 3));
        assertEquals(List.of("fc1", "fc2"), TargetMatcher.closestNames("FC1", modules, 2));
        assertEquals(List.of("0"), TargetMatcher.closestNames("0", modules, 1));

        String message = TargetMatcher.notFoundMessage(List.of("q_prj"), modules);
        assertTrue(message.startsWith("Target modules [q_prj] not found in the base model."), message);
        assertTrue(message.contains("Closest existing names: q_proj, k_proj, v_proj."), message);
        assertTrue(
                message.endsWith("Module names available: decoder, fc1, fc2, k_proj, lm_head, model, out_proj,"
                        + " q_proj, v_proj."),
                "numeric leaves such as seq.0 are left out: " + message);
    }

    @Test
    void leafNamesAreDistinctAndSorted() {
        assertEquals(
                List.of("0", "fc1", "q_proj"),
                TargetMatcher.leafNames(List.of("a.q_proj", "b.q_proj", "a.fc1", "seq.0")));
    }

    private static Arguments row(
            Object targets,
            Object exclude,
            List<Integer> layers,
            List<String> pattern,
            String module,
            TargetMatcher.Outcome expected) {
        return Arguments.of(targets, exclude, layers, pattern, module, expected);
    }

    @SuppressWarnings("unchecked")
    private static ModuleSelector selector(Object spec) {
        if (spec == null) {
            return null;
        }
        return spec instanceof String s ? ModuleSelector.regex(s) : ModuleSelector.names((List<String>) spec);
    }
}
