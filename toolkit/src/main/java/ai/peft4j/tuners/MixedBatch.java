package ai.peft4j.tuners;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * PEFT's {@code adapter_names} forward argument: one adapter name per batch row ({@value #BASE} for the base model
 * alone), set for the duration of one forward (or {@code generate}) by the tuner and read by the tuner layers that
 * support it. PEFT injects the names into every LoRA layer's forward with pre-forward hooks; here the tuner opens a
 * scope on the calling thread, so no model's forward has to pass them along.
 *
 * <pre>{@code
 * try (MixedBatch.Scope s = MixedBatch.open(List.of("a", "__base__", "b"))) {
 *     model.forward(ps, inputs, false);   // row 0 with adapter a, row 1 without adapters, row 2 with b
 * }
 * }</pre>
 */
public final class MixedBatch {

    /** PEFT's name for "no adapter" in {@code adapter_names}. */
    public static final String BASE = "__base__";

    private static final ThreadLocal<List<String>> CURRENT = new ThreadLocal<>();

    private MixedBatch() {}

    /** An open {@link MixedBatch}; closing it restores what was set before. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        /** Ends the scope. */
        @Override
        void close();
    }

    /** A scope that sets nothing (a forward without {@code adapter_names}). */
    public static final Scope NONE = () -> {};

    /** Sets {@code adapterNames} (one per row) on this thread until the scope is closed. */
    public static Scope open(List<String> adapterNames) {
        List<String> previous = CURRENT.get();
        CURRENT.set(List.copyOf(adapterNames));
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /** The adapter names of the forward running on this thread, or null when it has none. */
    public static List<String> current() {
        return CURRENT.get();
    }

    /**
     * Refuses a batch whose row count differs from the number of names, with PEFT's message.
     *
     * @throws IllegalArgumentException when they differ
     */
    public static void requireRows(long rows, List<String> adapterNames) {
        if (rows != adapterNames.size()) {
            throw new IllegalArgumentException("Length of `adapter_names` should be the same as the number of inputs,"
                    + " but got " + adapterNames.size() + " and " + rows + " respectively.");
        }
    }

    /**
     * PEFT's {@code _mixed_batch_forward} around a layer's adapter math: for each adapter named in {@code
     * adapterNames} that the layer holds ({@code holds}), the rows of {@code x} with that name are taken as one
     * sub-batch, {@code delta} computes that adapter's output on them, and it is added to those rows of {@code
     * result} only. Rows named {@value #BASE} (or an adapter the layer does not hold) keep {@code result}.
     *
     * @param result the base layer's output, rows first
     * @param x the layer's input, rows first
     * @return a new array; {@code result} is not changed
     */
    public static NDArray addPerAdapter(
            NDArray result,
            NDArray x,
            List<String> adapterNames,
            Predicate<String> holds,
            BiFunction<String, NDArray, NDArray> delta) {
        requireRows(x.getShape().get(0), adapterNames);
        Map<String, List<Integer>> rowsByName = new LinkedHashMap<>();
        for (int row = 0; row < adapterNames.size(); row++) {
            rowsByName
                    .computeIfAbsent(adapterNames.get(row), k -> new ArrayList<>())
                    .add(row);
        }
        NDList parts = new NDList();
        int rows = adapterNames.size();
        long[] source = new long[rows]; // where each row's delta sits in the concatenated parts
        int placed = 0;
        for (Map.Entry<String, List<Integer>> e : rowsByName.entrySet()) {
            if (e.getKey().equals(BASE) || !holds.test(e.getKey())) {
                continue;
            }
            long[] index = e.getValue().stream().mapToLong(Integer::longValue).toArray();
            NDArray sub = x.get(new NDIndex("{}", x.getManager().create(index)));
            parts.add(delta.apply(e.getKey(), sub));
            for (int row : e.getValue()) {
                source[row] = placed++;
            }
        }
        if (parts.isEmpty()) {
            return result;
        }
        // One zero row after the parts stands for every row that gets no delta.
        Shape rest = result.getShape().slice(1);
        parts.add(result.getManager().zeros(new Shape(1).addAll(rest), result.getDataType()));
        for (int row = 0; row < rows; row++) {
            if (!adapterOf(adapterNames.get(row), holds)) {
                source[row] = placed;
            }
        }
        NDArray all = NDArrays.concat(parts, 0).toType(result.getDataType(), false);
        return result.add(all.get(new NDIndex("{}", result.getManager().create(source))));
    }

    private static boolean adapterOf(String name, Predicate<String> holds) {
        return !name.equals(BASE) && holds.test(name);
    }
}
