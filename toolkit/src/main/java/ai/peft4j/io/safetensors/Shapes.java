package ai.peft4j.io.safetensors;

/** Overflow-checked shape arithmetic shared by the reader and writer. */
final class Shapes {
    private Shapes() {}

    /** Product of the dimensions; throws ArithmeticException on overflow. */
    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Byte length of a tensor; throws ArithmeticException on overflow. */
    static long byteLength(Dtype dtype, long[] shape) {
        return Math.multiplyExact(numel(shape), dtype.byteSize());
    }
}
