package ai.peft4j.tuners.lora;

import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigFields;
import ai.peft4j.config.PeftConfigException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One entry of LoRA's {@code layer_replication}: the range {@code [start, end)} of base layers to stack (PEFT's
 * memory-sharing layer expansion), written as {@code [start, end]}.
 *
 * <pre>{@code
 * LoraConfig.builder().set(LoraConfig.LAYER_REPLICATION, List.of(new LayerRange(0, 4))).build();   // refused: not yet
 * }</pre>
 */
public record LayerRange(int start, int end) {

    public LayerRange {
        if (start < 0 || end <= start) {
            throw new PeftConfigException("key 'layer_replication': each range [start, end) needs "
                    + "0 <= start < end, found [" + start + ", " + end + "]");
        }
    }

    /** What PEFT writes for this range: {@code [start, end]}. */
    public List<Integer> toJson() {
        return List.of(start, end);
    }

    /**
     * The {@code layer_replication} field: a list of ranges or {@code null}. peft4j does not implement layer
     * replication yet, so anything but {@code null} or an empty list is refused: ignoring it would give a model unlike
     * the one the adapter was trained on.
     */
    static ConfigField<List<LayerRange>> configField(String key) {
        return ConfigField.<List<LayerRange>>of(key, null, true, LayerRange::read, LayerRange::json)
                .copiedWith(l -> Collections.unmodifiableList(new ArrayList<>(l)))
                .check(
                        List::isEmpty,
                        l -> "peft4j does not support layer replication yet (found " + json(l)
                                + "); an adapter trained with it needs the "
                                + "base model's layers stacked that way, so peft4j cannot apply it");
    }

    private static Object json(List<LayerRange> ranges) {
        return ranges.stream().map(LayerRange::toJson).toList();
    }

    private static List<LayerRange> read(ConfigFields f, String key, Object v) {
        String expected = "null or a list of [start, end] pairs";
        if (!(v instanceof List<?> list)) {
            throw ConfigFields.wrongType(key, v, expected);
        }
        List<LayerRange> out = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof List<?> pair) || pair.size() != 2) {
                throw ConfigFields.wrongType(key, v, expected + " (bad entry " + ConfigFields.describe(item) + ")");
            }
            out.add(new LayerRange(f.toInt(key, pair.get(0), false), f.toInt(key, pair.get(1), false)));
        }
        return out;
    }
}
