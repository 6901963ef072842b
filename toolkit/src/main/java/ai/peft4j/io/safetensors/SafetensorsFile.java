package ai.peft4j.io.safetensors;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.io.LocalFiles;
import ai.peft4j.io.safetensors.SafetensorsException.Problem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * A safetensors file opened for reading. The header is parsed and fully validated by {@link
 * #open}; tensor data is read on demand, one tensor (or window) at a time, so files larger than 2
 * GiB work and nothing is read that is not asked for. {@link #toNDArray} reads a tensor whose bytes
 * are already the engine's layout (F32, F64, I32, I64, I8, U8, BOOL) straight into the array's
 * memory, and widens F16/BF16 from the mapped file in chunks.
 *
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(Path.of("model.safetensors"));
 *     NDManager m = NDManager.newBaseManager()) {
 *   for (String name : f.names()) {
 *     NDArray w = f.toNDArray(name, m);  // F16/BF16 arrive as FLOAT32
 *   }
 * }
 * }</pre>
 *
 * <p><b>Lifetime of buffers.</b> {@link #bytes} returns read-only views of a mapping. The JDK never
 * unmaps a mapping while a buffer refers to it, so such buffers stay valid (and safe) after {@link
 * #close()}; the mapping is released when they are garbage collected. {@link #toNDArray} and
 * {@link #floats} always copy, so their results never depend on the file. After {@code close()},
 * the methods that read data throw {@link IllegalStateException}.
 *
 * <p>Lookups of a name the file does not contain throw {@link NoSuchElementException}; use {@link
 * #contains} first when unsure. Instances are safe for concurrent reads.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Windows used to stream through tensors too large for one {@link ByteBuffer}. */
    private static final int WINDOW_BYTES = 1 << 30;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final HeaderParser.Header header;
    private final Map<String, TensorInfo> byName;
    private volatile boolean closed;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, HeaderParser.Header h) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.header = h;
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        for (TensorInfo t : h.tensors()) {
            m.put(t.name(), t);
        }
        this.byName = Collections.unmodifiableMap(m);
    }

    /**
     * Opens and validates a file.
     *
     * @throws SafetensorsException for anything malformed, NOT_A_REGULAR_FILE for a FIFO, device or
     *     directory (which is never opened, so it cannot block), or I/O errors (problem IO_ERROR)
     */
    public static SafetensorsFile open(Path path) throws SafetensorsException {
        Objects.requireNonNull(path, "path");
        FileChannel ch;
        try {
            ch = LocalFiles.openRegular(path);
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(path, Problem.IO_ERROR, null, "no such file", e);
        } catch (LocalFiles.NotRegularFileException e) {
            throw new SafetensorsException(path, Problem.NOT_A_REGULAR_FILE, null, e.getReason(), e);
        } catch (IOException | UnsupportedOperationException e) {
            throw new SafetensorsException(path, Problem.IO_ERROR, null, e.toString(), e);
        }
        try {
            long size = ch.size();
            if (size < 8) {
                throw new SafetensorsException(
                        path,
                        Problem.TRUNCATED,
                        "the file has " + size + " bytes, fewer than the 8-byte header length");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.getLong(0);
            // Unsigned compare: a length with the top bit set is a huge u64, not a negative number.
            if (Long.compareUnsigned(n, HeaderParser.MAX_HEADER_BYTES) > 0) {
                throw new SafetensorsException(
                        path,
                        Problem.HEADER_TOO_LARGE,
                        "declared header length "
                                + Long.toUnsignedString(n)
                                + " exceeds the limit of "
                                + HeaderParser.MAX_HEADER_BYTES
                                + " bytes");
            }
            if (8 + n > size) {
                throw new SafetensorsException(
                        path,
                        Problem.HEADER_LENGTH_BEYOND_FILE,
                        "declared header length " + n + " but the file has only " + (size - 8)
                                + " bytes after the length prefix");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            HeaderParser.Header h = HeaderParser.parse(path, hb.array(), size - 8 - n);
            return new SafetensorsFile(path, ch, 8 + n, h);
        } catch (SafetensorsException e) {
            closeQuietly(ch, e);
            throw e;
        } catch (IOException | RuntimeException e) {
            SafetensorsException se = new SafetensorsException(path, Problem.IO_ERROR, null, e.toString(), e);
            closeQuietly(ch, se);
            throw se;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) {
                throw new java.io.EOFException("unexpected end of file at byte " + pos);
            }
            pos += r;
        }
    }

    private static void closeQuietly(FileChannel ch, Exception primary) {
        try {
            ch.close();
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** The {@code __metadata__} map (unmodifiable, header order); empty when absent. */
    public Map<String, String> metadata() {
        return header.metadata() == null ? Map.of() : header.metadata();
    }

    /** True when the header has a {@code __metadata__} entry (even an empty one). */
    public boolean hasMetadata() {
        return header.metadata() != null;
    }

    /** Tensor names in header order. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** All tensor entries in header order. */
    public List<TensorInfo> infos() {
        return header.tensors();
    }

    /** Whether the file has a tensor of this name. */
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The header entry, or empty. */
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * The header entry for a tensor.
     *
     * @throws NoSuchElementException when the file has no such tensor
     */
    public TensorInfo info(String name) {
        TensorInfo t = byName.get(name);
        if (t == null) {
            throw new NoSuchElementException(
                    "no tensor '" + name + "' in " + path + " (it has " + byName.size() + " tensors)");
        }
        return t;
    }

    /** The header JSON exactly as stored, including trailing padding. */
    public String rawHeader() {
        return header.raw();
    }

    /** Absolute file offset where the data section starts (8 + header length). */
    public long dataStart() {
        return dataStart;
    }

    /**
     * A read-only little-endian view of a tensor's bytes, memory-mapped.
     *
     * @throws SafetensorsException (UNSUPPORTED) when the tensor exceeds 2 GiB; use {@link
     *     #bytes(String, long, int)} windows then
     */
    public ByteBuffer bytes(String name) throws SafetensorsException {
        TensorInfo t = info(name);
        if (t.byteLength() > Integer.MAX_VALUE) {
            throw new SafetensorsException(
                    path,
                    Problem.UNSUPPORTED,
                    name,
                    "the tensor has " + t.byteLength() + " bytes, more than one ByteBuffer can hold",
                    null);
        }
        return map(name, t.begin(), (int) t.byteLength());
    }

    /**
     * A read-only little-endian view of part of a tensor's bytes, memory-mapped.
     *
     * @param byteOffset offset inside the tensor's data
     * @param byteLength number of bytes
     * @throws IndexOutOfBoundsException when the window leaves the tensor
     */
    public ByteBuffer bytes(String name, long byteOffset, int byteLength) throws SafetensorsException {
        TensorInfo t = info(name);
        if (byteOffset < 0 || byteLength < 0 || byteOffset > t.byteLength() - byteLength) {
            throw new IndexOutOfBoundsException("window [" + byteOffset + ", +" + byteLength + ") outside tensor '"
                    + name + "' of " + t.byteLength() + " bytes");
        }
        return map(name, t.begin() + byteOffset, byteLength);
    }

    private ByteBuffer map(String name, long relativeOffset, int length) throws SafetensorsException {
        return mapRaw(name, relativeOffset, length).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The mapping itself (not a view of it), which {@link Unmapper} can release. */
    private ByteBuffer mapRaw(String name, long relativeOffset, int length) throws SafetensorsException {
        ensureOpen();
        if (length == 0) {
            return ByteBuffer.allocate(0);
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + relativeOffset, length);
        } catch (IOException | RuntimeException e) {
            // A file shrunk after open, or closed concurrently, lands here instead of crashing.
            throw new SafetensorsException(path, Problem.IO_ERROR, name, e.toString(), e);
        }
    }

    /**
     * The tensor's values as floats, widened from any dtype (integers convert with {@code (float)},
     * which rounds above 2^24; booleans become 0 or 1). F64 narrows to float.
     *
     * @throws SafetensorsException (UNSUPPORTED) when there are more than ~2^31 elements
     */
    public float[] floats(String name) throws SafetensorsException {
        TensorInfo t = info(name);
        long n = t.numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(
                    path, Problem.UNSUPPORTED, name, n + " elements do not fit a Java array", null);
        }
        float[] out = new float[(int) n];
        int esize = t.dtype().byteSize();
        int perWindow = WINDOW_BYTES / esize;
        for (long first = 0; first < n; first += perWindow) {
            int count = (int) Math.min(perWindow, n - first);
            ByteBuffer b = bytes(name, first * esize, count * esize);
            Conversions.toFloats(t.dtype(), b, out, (int) first, count);
        }
        return out;
    }

    /**
     * Copies a tensor into a new NDArray owned by {@code manager}. F16, BF16 and FP8 become FLOAT32
     * (converted in Java; no narrow float ever reaches the engine), U16 becomes INT32, U32 INT64,
     * BOOL BOOLEAN; other dtypes keep their type. The array never aliases the file.
     *
     * @throws SafetensorsException (UNSUPPORTED) for U64, tensors over 2 GiB after widening, or an
     *     empty tensor whose other sizes give strides beyond 64 bits
     */
    public NDArray toNDArray(String name, NDManager manager) throws SafetensorsException {
        TensorInfo t = info(name);
        NDArray out = allocate(t, manager);
        try {
            fill(t, out);
        } catch (SafetensorsException | RuntimeException e) {
            out.close();
            throw e;
        }
        return onDevice(out, manager);
    }

    /**
     * {@link #toNDArray} with the reading done by {@code executor}: the array is allocated (and the
     * tensor checked) on the calling thread, so the engine's memory comes from the caller's
     * allocator arena whichever thread reads. A checkpoint loads its tensors this way, several at
     * once. The future fails with the {@link SafetensorsException} (wrapped in a {@link
     * java.util.concurrent.CompletionException}) that {@code toNDArray} would throw.
     *
     * @throws SafetensorsException what {@code toNDArray} throws before reading anything
     */
    public CompletableFuture<NDArray> toNDArrayAsync(String name, NDManager manager, Executor executor)
            throws SafetensorsException {
        TensorInfo t = info(name);
        NDArray out = allocate(t, manager);
        return CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                fill(t, out);
                                return out;
                            } catch (SafetensorsException e) {
                                out.close();
                                throw new CompletionException(e);
                            } catch (RuntimeException e) {
                                out.close();
                                throw e;
                            }
                        },
                        executor)
                .thenApply(filled -> onDevice(filled, manager));
    }

    /** A CPU array for the tensor, uninitialized: {@link #fill} writes every byte. */
    private NDArray allocate(TensorInfo t, NDManager manager) throws SafetensorsException {
        String name = t.name();
        Dtype d = t.dtype();
        if (d.djlType() == null) {
            throw new SafetensorsException(path, Problem.UNSUPPORTED, name, d + " has no lossless DJL data type", null);
        }
        if (!stridesFit(t.shape())) {
            // Valid for the format (no elements), but PyTorch computes strides and cannot store these.
            throw new SafetensorsException(
                    path,
                    Problem.UNSUPPORTED,
                    name,
                    "the shape "
                            + java.util.Arrays.toString(t.shape()) + " has strides beyond 64 bits, which the engine"
                            + " cannot represent",
                    null);
        }
        long outBytes = t.numel() * d.djlType().getNumOfBytes();
        if (outBytes > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(
                    path,
                    Problem.UNSUPPORTED,
                    name,
                    "the tensor needs " + outBytes + " bytes as " + d.djlType() + ", more than one buffer",
                    null);
        }
        ensureOpen();
        Shape shape = new Shape(t.shape());
        // The engine aliases any direct buffer it is given (create and set keep pointing at it), and
        // such memory is only returned when the garbage collector finds the buffer. So allocate the
        // array in the engine and fill its own memory in place.
        return t.numel() == 0
                ? manager.zeros(shape, d.djlType(), Device.cpu())
                : manager.create(shape, d.djlType(), Device.cpu());
    }

    private static NDArray onDevice(NDArray out, NDManager manager) {
        if (!manager.getDevice().equals(Device.cpu())) {
            NDArray moved = out.toDevice(manager.getDevice(), false);
            out.close();
            return moved;
        }
        return out;
    }

    /** Bytes of the file converted per mapping when a tensor is widened: bounded, so nothing large stays mapped. */
    private static final int CONVERT_WINDOW_BYTES = 16 << 20;

    /**
     * Writes the tensor's values into {@code view}, the engine's own memory for the array. A tensor
     * whose bytes are already the engine's layout is read from the file straight into it (one copy,
     * by the kernel, no Java buffer or mapping in between); one that is widened or reordered is
     * memory-mapped a window at a time and converted into place.
     */
    private void fill(TensorInfo t, NDArray out) throws SafetensorsException {
        if (t.numel() == 0) {
            return;
        }
        ensureOpen();
        String name = t.name();
        ByteBuffer view = out.toByteBuffer(true);
        Dtype d = t.dtype();
        if (Conversions.sameLayout(d, view.order())) {
            try {
                readFully(channel, view, dataStart + t.begin());
            } catch (IOException | RuntimeException e) {
                // A file shrunk after open, or closed concurrently, lands here instead of crashing.
                throw new SafetensorsException(path, Problem.IO_ERROR, name, e.toString(), e);
            }
            return;
        }
        int esize = d.byteSize();
        long perWindow = CONVERT_WINDOW_BYTES / esize;
        for (long first = 0; first < t.numel(); first += perWindow) {
            int count = (int) Math.min(perWindow, t.numel() - first);
            ByteBuffer mapped = mapRaw(name, t.begin() + first * esize, count * esize);
            Conversions.toDjlLayout(d, mapped, view);
            // This mapping never leaves the method, so release it now rather than at some later GC:
            // otherwise every loaded tensor stays mapped (and counted in RSS) until then.
            Unmapper.unmap(mapped);
        }
    }

    /** Whether the contiguous strides PyTorch gives {@code shape} fit in a long (zero sizes count as 1). */
    private static boolean stridesFit(long[] shape) {
        long stride = 1;
        for (int i = shape.length - 1; i > 0; i--) {
            long size = Math.max(shape[i], 1);
            if (stride > Long.MAX_VALUE / size) {
                return false;
            }
            stride *= size;
        }
        return true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("safetensors file " + path + " is closed");
        }
    }

    /** Closes the file. Buffers already returned by {@link #bytes} stay valid. */
    @Override
    public void close() throws IOException {
        closed = true;
        channel.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + byName.size() + " tensors]";
    }
}
