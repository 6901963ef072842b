package ai.peft4j.io.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of a safetensors header.
 *
 * <p>{@code begin} and {@code end} are byte offsets relative to the start of the data section
 * (just after the header), as stored in {@code data_offsets}. Instances read from a file have been
 * validated: {@code end - begin == numel() * dtype.byteSize()}.
 *
 * <pre>{@code
 * TensorInfo t = file.info("model.decoder.embed_tokens.weight");
 * long rows = t.shape()[0];
 * }</pre>
 *
 * @param name tensor name
 * @param dtype element type
 * @param shape dimensions (empty for a scalar); the accessor returns a copy
 * @param begin first byte, relative to the data section
 * @param end one past the last byte, relative to the data section
 */
public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {

    /** Validates arguments and takes a defensive copy of the shape. */
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = Objects.requireNonNull(shape, "shape").clone();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("bad offsets [" + begin + ", " + end + "] for " + name);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Number of elements (1 for a scalar, 0 when a dimension is 0). */
    public long numel() {
        return Shapes.numel(shape);
    }

    /** Number of data bytes, {@code end - begin}. */
    public long byteLength() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t
                && name.equals(t.name)
                && dtype == t.dtype
                && Arrays.equals(shape, t.shape)
                && begin == t.begin
                && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
    }
}
