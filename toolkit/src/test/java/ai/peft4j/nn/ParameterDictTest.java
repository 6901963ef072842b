package ai.peft4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ParameterDict")
class ParameterDictTest {

    /** A module holding a ParameterDict as PEFT's IA3 layer does ({@code ia3_l}). */
    static final class Holder extends ModuleBlock {
        final ParameterDict dict = addModule("ia3_l", new ParameterDict());

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
            return in;
        }
    }

    private static Parameter vector(String name, long n) {
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(n, 1))
                .build();
    }

    @Test
    @DisplayName(
            "keys become the last segment of state-dict names, and removal takes a parameter out of DJL's view too")
    void putAndRemove() {
        Holder h = new Holder();
        Parameter a = h.dict.put("default", vector("default", 3));
        h.dict.put("other", vector("other", 4));
        assertEquals(
                List.of("ia3_l.default", "ia3_l.other"),
                List.copyOf(ModuleTree.namedParameters(h).keySet()));
        assertSame(a, h.dict.get("default"));
        assertEquals(7, ModuleTree.countParameters(h));
        assertEquals(2, h.getParameters().size());

        assertSame(a, h.dict.remove("default"));
        assertEquals(Set.of("other"), h.dict.keySet());
        assertEquals(
                List.of("ia3_l.other"),
                List.copyOf(ModuleTree.namedParameters(h).keySet()));
        assertEquals(1, h.getParameters().size(), "DJL's trainers and optimizers no longer see it");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.dict.remove("default"));
        assertTrue(e.getMessage().contains("no parameter 'default'"), e.getMessage());
    }
}
