package ai.peft4j.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** rank_pattern and alpha_pattern resolve per module as in PEFT 0.10's LoraModel._create_and_replace. */
class LoraPatternTest {

    static final String Q0 = "model.decoder.layers.0.self_attn.q_proj";
    static final String Q1 = "model.decoder.layers.1.self_attn.q_proj";
    static final String V0 = "model.decoder.layers.0.self_attn.v_proj";

    @Test
    void withoutPatternsEveryModuleGetsRAndAlpha() {
        LoraConfig c = LoraConfig.builder().r(4).loraAlpha(8).build();
        assertEquals(4, c.rankFor(Q0));
        assertEquals(8, c.alphaFor(Q0));
    }

    @Test
    void aKeyMatchesAsADottedSuffixOrRegexTail() {
        LoraConfig c = LoraConfig.builder()
                .r(4)
                .loraAlpha(8)
                .rankPattern(ordered("q_proj", 16))
                .alphaPattern(ordered("v_proj", 2, "layers\\.1\\.self_attn\\.k_proj", 64))
                .build();
        assertEquals(16, c.rankFor(Q0));
        assertEquals(16, c.rankFor(Q1));
        assertEquals(4, c.rankFor(V0));
        assertEquals(2, c.alphaFor(V0));
        assertEquals(64, c.alphaFor("model.decoder.layers.1.self_attn.k_proj"));
        assertEquals(8, c.alphaFor("model.decoder.layers.0.self_attn.k_proj"));
    }

    @Test
    void aKeyMustFollowADot() {
        LoraConfig c = LoraConfig.builder().rankPattern(ordered("proj", 16)).build();
        assertEquals(8, c.rankFor(Q0), "'proj' does not match '...q_proj': .*\\.proj$ needs a dot before it");
    }

    @Test
    void aKeyEqualToTheWholePathApplies() {
        LoraConfig c = LoraConfig.builder().rankPattern(ordered("lm_head", 2)).build();
        assertEquals(2, c.rankFor("lm_head"));
    }

    @Test
    void theFirstMatchingKeyWinsInFileOrder() {
        LoraConfig c = LoraConfig.builder()
                .rankPattern(ordered("layers.0.self_attn.q_proj", 32, "q_proj", 16))
                .build();
        assertEquals(32, c.rankFor(Q0));
        assertEquals(16, c.rankFor(Q1));
    }

    @Test
    void oneKeyServesRankAndAlphaAsInPeft010() {
        // The rank key "q_proj" is found first, so alpha_pattern is looked up under "q_proj" too and its
        // layer-0 entry is not used. PEFT 0.14 and later would give alpha 64 here.
        LoraConfig c = LoraConfig.builder()
                .loraAlpha(8)
                .rankPattern(ordered("q_proj", 16))
                .alphaPattern(ordered("layers.0.self_attn.q_proj", 64))
                .build();
        assertEquals("q_proj", c.patternKeyFor(Q0));
        assertEquals(16, c.rankFor(Q0));
        assertEquals(8, c.alphaFor(Q0));
    }

    private static Map<String, Integer> ordered(Object... kv) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Integer) kv[i + 1]);
        }
        return m;
    }
}
