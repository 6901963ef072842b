package ai.peft4j.io.safetensors;

import ai.djl.ndarray.types.DataType;
import java.util.Optional;

/**
 * Element types of the safetensors format.
 *
 * <p>The constants are declared in the same order as the reference Rust {@code Dtype} enum
 * (safetensors 0.4.x), because the reference serializer orders tensors by that declaration order
 * (descending) and then by name. {@link SafetensorsWriter} relies on {@link #ordinal()} for that
 * rule, so do not reorder them.
 *
 * <pre>{@code
 * Dtype d = Dtype.fromHeaderName("BF16").orElseThrow();
 * d.byteSize();       // 2
 * d.djlType();        // DataType.FLOAT32: BF16 is widened in Java before reaching the engine
 * }</pre>
 */
public enum Dtype {
    BOOL(1, DataType.BOOLEAN),
    U8(1, DataType.UINT8),
    I8(1, DataType.INT8),
    /** 8-bit float, 5 exponent bits, 2 mantissa bits; widened to FLOAT32. */
    F8_E5M2(1, DataType.FLOAT32),
    /** 8-bit float, 4 exponent bits, 3 mantissa bits, "fn" variant (no infinities); widened. */
    F8_E4M3(1, DataType.FLOAT32),
    /**
     * Signed 16-bit; widened to INT32 because creating an INT16 array aborts the JVM on DJL's
     * PyTorch engine (0.36).
     */
    I16(2, DataType.INT32),
    /** Unsigned 16-bit; widened to INT32 because the engine's unsigned support is partial. */
    U16(2, DataType.INT32),
    /** IEEE half precision; widened to FLOAT32. */
    F16(2, DataType.FLOAT32),
    /** bfloat16; widened to FLOAT32 (a BF16 NDArray aborts the JVM on DJL's PyTorch engine). */
    BF16(2, DataType.FLOAT32),
    I32(4, DataType.INT32),
    /** Unsigned 32-bit; widened to INT64. */
    U32(4, DataType.INT64),
    F32(4, DataType.FLOAT32),
    F64(8, DataType.FLOAT64),
    I64(8, DataType.INT64),
    /** Unsigned 64-bit; has no lossless DJL type, so {@link #djlType()} is {@code null}. */
    U64(8, null);

    private final int byteSize;
    private final DataType djlType;

    Dtype(int byteSize, DataType djlType) {
        this.byteSize = byteSize;
        this.djlType = djlType;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The name used in the JSON header, e.g. {@code "F32"}. */
    public String headerName() {
        return name();
    }

    /**
     * The DJL type an NDArray read from this dtype gets. Narrow floats (F16, BF16, F8) become
     * FLOAT32 and small unsigned ints widen to the next signed type; {@code null} for U64.
     */
    public DataType djlType() {
        return djlType;
    }

    /** True when {@link #djlType()} differs from the stored representation (a conversion runs). */
    public boolean isWidenedForDjl() {
        return switch (this) {
            case F8_E5M2, F8_E4M3, I16, F16, BF16, U16, U32 -> true;
            default -> false;
        };
    }

    /** True for the floating point dtypes. */
    public boolean isFloatingPoint() {
        return switch (this) {
            case F8_E5M2, F8_E4M3, F16, BF16, F32, F64 -> true;
            default -> false;
        };
    }

    /** Looks up a header name; empty when the name is not a known dtype. */
    public static Optional<Dtype> fromHeaderName(String name) {
        for (Dtype d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /**
     * The dtype that stores a DJL array without loss.
     *
     * @throws IllegalArgumentException for DJL types safetensors cannot hold (strings, complex…)
     */
    public static Dtype fromDjl(DataType type) {
        return switch (type) {
            case BOOLEAN -> BOOL;
            case UINT8 -> U8;
            case INT8 -> I8;
            case INT16 -> I16;
            case UINT16 -> U16;
            case FLOAT16 -> F16;
            case BFLOAT16 -> BF16;
            case INT32 -> I32;
            case UINT32 -> U32;
            case FLOAT32 -> F32;
            case FLOAT64 -> F64;
            case INT64 -> I64;
            case UINT64 -> U64;
            default -> throw new IllegalArgumentException("DJL data type " + type + " has no safetensors equivalent");
        };
    }
}
