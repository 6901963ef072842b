package ai.peft4j.tuners.lycoris;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.nn.Conv1D;
import ai.peft4j.nn.Linear;
import ai.peft4j.tuners.loha.LoHaConfig;
import ai.peft4j.tuners.loha.LoHaModel;
import ai.peft4j.tuners.lokr.LoKrConfig;
import ai.peft4j.tuners.lokr.LoKrModel;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** PEFT 0.10's LyCORIS tuners wrap nn.Linear (and Conv2d), not transformers' Conv1D. */
@DisplayName("LoHa and LoKr factories accept what PEFT 0.10 accepts")
class LycorisLayerFactoryTest {

    @Test
    @DisplayName("linear layers (peft4j and DJL) are accepted, Conv1D is not")
    void kinds() {
        LoHaConfig loha = LoHaConfig.builder().targetModules("proj").build();
        LoKrConfig lokr = LoKrConfig.builder().targetModules("proj").build();
        assertTrue(LoHaModel.LINEAR.accepts(new Linear(4, 4, true), loha));
        assertTrue(LoKrModel.LINEAR.accepts(
                ai.djl.nn.core.Linear.builder().setUnits(4).build(), lokr));
        assertFalse(LoHaModel.LINEAR.accepts(new Conv1D(4, 4), loha));
        assertFalse(LoKrModel.LINEAR.accepts(new Conv1D(4, 4), lokr));
    }
}
