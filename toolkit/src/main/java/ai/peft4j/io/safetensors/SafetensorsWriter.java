package ai.peft4j.io.safetensors;

import ai.peft4j.io.json.PythonJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes safetensors files byte for byte like the reference serializer (safetensors 0.4.x {@code
 * serialize}/{@code save_file}):
 *
 * <ul>
 *   <li>8-byte little-endian header length, then compact JSON, padded with spaces to a multiple of
 *       8 bytes, then the tensor data back to back;
 *   <li>{@code __metadata__} first when metadata is non-null (an empty map writes {@code {}});
 *       its entries in the map's iteration order (the reference uses a hash map, so any order is
 *       as valid; pass a {@link java.util.LinkedHashMap} for a stable one);
 *   <li>tensors ordered by dtype descending in the reference enum order ({@link Dtype}'s
 *       declaration order: U64, I64, F64, F32, U32, I32, BF16, F16, …, BOOL), then by name
 *       (UTF-8 byte order); {@code data_offsets} contiguous from 0.
 * </ul>
 *
 * <p>Writing is atomic: a temporary file in the same directory is fsynced and then renamed over
 * the target, so a failure leaves any existing file untouched.
 *
 * <pre>{@code
 * Map<String, Tensor> tensors = new LinkedHashMap<>();
 * tensors.put("w", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2));
 * SafetensorsWriter.write(Path.of("adapter_model.safetensors"), tensors, Map.of("format", "pt"));
 * }</pre>
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /**
     * Writes a file atomically.
     *
     * @param metadata the {@code __metadata__} entries, or null to omit the key
     * @throws IllegalArgumentException for an invalid name (null, {@code __metadata__}, unpaired
     *     surrogate) or a source whose byte length does not match its shape
     * @throws IOException when writing fails; the target is then unchanged
     */
    public static void write(Path file, Map<String, ? extends TensorSource> tensors, Map<String, String> metadata)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Layout layout = layout(tensors, metadata);
        AtomicFiles.write(file, ch -> layout.writeTo(ch, file));
    }

    /** The serialized bytes in memory (for small tensors and tests). */
    public static byte[] toBytes(Map<String, ? extends TensorSource> tensors, Map<String, String> metadata)
            throws IOException {
        Layout layout = layout(tensors, metadata);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        layout.writeTo(Channels.newChannel(out), null);
        return out.toByteArray();
    }

    /** The header bytes (without the length prefix) the writer would produce. */
    public static byte[] header(Map<String, ? extends TensorSource> tensors, Map<String, String> metadata) {
        return layout(tensors, metadata).header;
    }

    /** The tensor order the reference serializer uses: dtype descending, then name. */
    public static List<String> order(Map<String, ? extends TensorSource> tensors) {
        List<Map.Entry<String, ? extends TensorSource>> entries = new ArrayList<>(tensors.entrySet());
        entries.sort((a, b) -> {
            int c = Integer.compare(
                    b.getValue().dtype().ordinal(), a.getValue().dtype().ordinal());
            return c != 0 ? c : PythonJson.compareCodePoints(a.getKey(), b.getKey());
        });
        List<String> names = new ArrayList<>(entries.size());
        for (var e : entries) {
            names.add(e.getKey());
        }
        return names;
    }

    private record Layout(byte[] header, List<String> names, List<TensorSource> sources) {
        void writeTo(WritableByteChannel ch, Path file) throws IOException {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            len.putLong(header.length).flip();
            writeAll(ch, len);
            writeAll(ch, ByteBuffer.wrap(header));
            for (int i = 0; i < sources.size(); i++) {
                TensorSource s = sources.get(i);
                CountingChannel counting = new CountingChannel(ch);
                s.writeTo(counting);
                if (counting.count != s.byteLength()) {
                    throw new IOException("tensor '" + names.get(i) + "' wrote " + counting.count + " bytes, expected "
                            + s.byteLength() + (file == null ? "" : " (writing " + file + ")"));
                }
            }
        }
    }

    private static Layout layout(Map<String, ? extends TensorSource> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(tensors, "tensors");
        if (metadata != null) {
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                requireEncodable(m.getKey(), "metadata key");
                requireEncodable(m.getValue(), "metadata value for " + m.getKey());
            }
        }
        for (Map.Entry<String, ? extends TensorSource> e : tensors.entrySet()) {
            requireEncodable(e.getKey(), "tensor name");
            if (e.getKey().equals(HeaderParser.METADATA_KEY)) {
                throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
            }
            Objects.requireNonNull(e.getValue(), () -> "tensor '" + e.getKey() + "' is null");
        }
        List<String> names = order(tensors);
        List<HeaderJson.Entry> entries = new ArrayList<>(names.size());
        List<TensorSource> sources = new ArrayList<>(names.size());
        long offset = 0;
        for (String name : names) {
            TensorSource s = tensors.get(name);
            long[] shape = s.shape();
            long n;
            try {
                n = Shapes.byteLength(s.dtype(), shape);
            } catch (ArithmeticException ex) {
                throw new IllegalArgumentException("tensor '" + name + "': element count overflows", ex);
            }
            if (n != s.byteLength()) {
                throw new IllegalArgumentException(
                        "tensor '" + name + "' has " + s.byteLength() + " bytes, its shape needs " + n);
            }
            entries.add(new HeaderJson.Entry(name, s.dtype(), shape, offset, offset + n));
            sources.add(s);
            offset += n;
        }
        return new Layout(HeaderJson.encode(metadata, entries), names, sources);
    }

    private static void requireEncodable(String s, String what) {
        Objects.requireNonNull(s, () -> what + " is null");
        if (HeaderJson.hasLoneSurrogate(s)) {
            throw new IllegalArgumentException(what + " '" + s + "' holds an unpaired surrogate");
        }
    }

    private static void writeAll(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Counts bytes so a misbehaving {@link TensorSource} cannot corrupt the layout silently. */
    private static final class CountingChannel implements WritableByteChannel {
        private final WritableByteChannel delegate;
        long count;

        CountingChannel(WritableByteChannel delegate) {
            this.delegate = delegate;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = delegate.write(src);
            count += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return delegate.isOpen();
        }

        @Override
        public void close() {
            // The writer owns the underlying channel.
        }
    }
}
