package ai.peft4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.GradMode;
import ai.peft4j.testing.Golden;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the key/value cache of generate")
class KeyValueCacheTest {

    @Test
    @DisplayName("with room reserved, keys and values go into buffers allocated once and written in place;"
            + " the logits are those of the whole sequence, as without the reservation")
    void preallocatedInPlace() {
        try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt());
                NDManager m = NDManager.newBaseManager();
                GradMode.Scope off = GradMode.off()) {
            lm.eval();
            long[] ids = {2, 10, 20, 30, 40, 50, 60, 5, 7, 9};
            try (KeyValueCache reserved = new KeyValueCache(lm, m);
                    KeyValueCache plain = new KeyValueCache(lm, m)) {
                reserved.reserve(ids.length);
                List<NDArray> buffers = new ArrayList<>();
                for (int length = 6; length <= ids.length; length++) {
                    NDArray x = m.create(java.util.Arrays.copyOf(ids, length), new Shape(1, length));
                    NDArray mask = m.ones(new Shape(1, length), ai.djl.ndarray.types.DataType.INT64);
                    float[] cached = reserved.apply(x, mask).toFloatArray();
                    float[] uncached = plain.apply(x, mask).toFloatArray();
                    float[] whole = lm.forward(x, mask, null)
                            .logits()
                            .get(new NDIndex(":, -1, :"))
                            .toFloatArray();
                    assertArrayEquals(whole, cached, 1e-5f, "length " + length);
                    assertArrayEquals(whole, uncached, 1e-5f, "length " + length);
                    List<NDList> past = reserved.past();
                    assertEquals(length, reserved.pastLength());
                    for (int layer = 0; layer < past.size(); layer++) {
                        CacheSlot slot = assertInstanceOf(CacheSlot.class, past.get(layer));
                        assertEquals(ids.length, slot.capacity());
                        if (buffers.size() <= layer) {
                            buffers.add(slot.keyBuffer());
                        }
                        assertSame(buffers.get(layer), slot.keyBuffer(), "the same buffer every step");
                    }
                    long held = length;
                    past.forEach(kv -> assertEquals(held, kv.get(0).getShape().get(2)));
                    plain.past().forEach(kv -> assertEquals(NDList.class, kv.getClass()));
                }
            }
        }
    }
}
