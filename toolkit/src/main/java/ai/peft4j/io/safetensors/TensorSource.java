package ai.peft4j.io.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Something {@link SafetensorsWriter} can write as one tensor: a dtype, a shape, and a way to
 * stream exactly {@link #byteLength()} little-endian bytes. {@link Tensor} is the in-memory
 * implementation; implement this directly to write tensors larger than 2 GiB without holding them
 * in memory.
 *
 * <pre>{@code
 * TensorSource zeros = new TensorSource() {
 *   public Dtype dtype() { return Dtype.U8; }
 *   public long[] shape() { return new long[] {3L << 30}; }
 *   public void writeTo(WritableByteChannel out) throws IOException { ...write 3 GiB... }
 * };
 * }</pre>
 */
public interface TensorSource {
    /** Element type. */
    Dtype dtype();

    /** Dimensions; empty for a scalar. */
    long[] shape();

    /** Bytes {@link #writeTo} must write: numel x dtype size. */
    default long byteLength() {
        return Shapes.byteLength(dtype(), shape());
    }

    /** Writes the data, little-endian, C order. */
    void writeTo(WritableByteChannel out) throws IOException;

    /**
     * Streams a tensor of an open file window by window, without loading it: handy to re-save or
     * re-shard a checkpoint. The file must stay open until the write finishes.
     */
    static TensorSource copyOf(SafetensorsFile file, String name) {
        TensorInfo info = file.info(name);
        return new TensorSource() {
            @Override
            public Dtype dtype() {
                return info.dtype();
            }

            @Override
            public long[] shape() {
                return info.shape();
            }

            @Override
            public void writeTo(WritableByteChannel out) throws IOException {
                final int window = 64 << 20;
                for (long off = 0; off < info.byteLength(); off += window) {
                    int len = (int) Math.min(window, info.byteLength() - off);
                    ByteBuffer b = file.bytes(name, off, len);
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                }
            }
        };
    }
}
