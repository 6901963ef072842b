package ai.peft4j.io.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.peft4j.io.LocalFiles;
import ai.peft4j.io.safetensors.SafetensorsException.Problem;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A checkpoint directory as transformers saves it: either one {@code model.safetensors}, or shards
 * listed by {@code model.safetensors.index.json} ({@code {"metadata": {...}, "weight_map": {name:
 * shard}}}). Each shard is opened once; every index entry is checked against its shard at open.
 *
 * <pre>{@code
 * try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(modelDir);
 *     NDManager m = NDManager.newBaseManager()) {
 *   for (String name : ckpt.names()) {
 *     NDArray w = ckpt.toNDArray(name, m);
 *   }
 * }
 * }</pre>
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    /** The single-file name transformers uses. */
    public static final String SINGLE_FILE = "model.safetensors";

    /** The index name transformers uses for sharded checkpoints. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path directory;
    private final Map<String, String> indexMetadata;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> owner;

    private SafetensorsCheckpoint(
            Path directory,
            Map<String, String> indexMetadata,
            List<SafetensorsFile> shards,
            Map<String, SafetensorsFile> owner) {
        this.directory = directory;
        this.indexMetadata = indexMetadata;
        this.shards = shards;
        this.owner = owner;
    }

    /**
     * Opens a checkpoint directory: the index when present, else {@code model.safetensors}.
     *
     * @throws SafetensorsException NOT_A_CHECKPOINT when neither exists, MISSING_SHARD, SHARD_MISMATCH,
     *     INVALID_INDEX, or any problem of a shard
     */
    public static SafetensorsCheckpoint open(Path directory) throws SafetensorsException {
        Objects.requireNonNull(directory, "directory");
        // exists, not isRegularFile: a FIFO or directory of that name is reported as such by the readers.
        Path index = directory.resolve(INDEX_FILE);
        if (Files.exists(index)) {
            return openIndex(index);
        }
        Path single = directory.resolve(SINGLE_FILE);
        if (Files.exists(single)) {
            return openSingle(single);
        }
        throw new SafetensorsException(
                directory,
                Problem.NOT_A_CHECKPOINT,
                "neither " + SINGLE_FILE + " nor " + INDEX_FILE + " exists in this directory");
    }

    /** Wraps one safetensors file as a checkpoint. */
    public static SafetensorsCheckpoint openSingle(Path file) throws SafetensorsException {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        for (String n : f.names()) {
            owner.put(n, f);
        }
        return new SafetensorsCheckpoint(
                file.toAbsolutePath().getParent(), Map.of(), List.of(f), Collections.unmodifiableMap(owner));
    }

    /** Opens a sharded checkpoint from its index file; shards are resolved next to it. */
    public static SafetensorsCheckpoint openIndex(Path indexFile) throws SafetensorsException {
        Path dir = indexFile.toAbsolutePath().getParent();
        JsonNode root = readIndex(indexFile);
        Map<String, String> meta = new LinkedHashMap<>();
        JsonNode metaNode = root.get("metadata");
        if (metaNode != null && !metaNode.isNull()) {
            if (!metaNode.isObject()) {
                throw new SafetensorsException(indexFile, Problem.INVALID_INDEX, "metadata is not an object");
            }
            metaNode.fields()
                    .forEachRemaining(e -> meta.put(
                            e.getKey(),
                            e.getValue().isValueNode()
                                    ? e.getValue().asText()
                                    : e.getValue().toString()));
        }
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new SafetensorsException(indexFile, Problem.INVALID_INDEX, "the index has no \"weight_map\" object");
        }
        // Shard names in first-mention order, each validated as a plain file name: an index must not
        // make us open files outside the checkpoint directory.
        Map<String, List<String>> byShard = new LinkedHashMap<>();
        var it = map.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(
                        indexFile, Problem.INVALID_INDEX, e.getKey(), "weight_map value is not a file name", null);
            }
            String shard = e.getValue().textValue();
            if (shard.isEmpty()
                    || shard.contains("/")
                    || shard.contains("\\")
                    || shard.equals("..")
                    || shard.equals(".")) {
                throw new SafetensorsException(
                        indexFile,
                        Problem.INVALID_INDEX,
                        e.getKey(),
                        "shard name \"" + shard + "\" is not a plain file name",
                        null);
            }
            byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(e.getKey());
        }
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
            Map<String, SafetensorsFile> shardFiles = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> s : byShard.entrySet()) {
                Path shardPath = dir.resolve(s.getKey());
                if (!Files.exists(shardPath)) {
                    throw new SafetensorsException(
                            shardPath,
                            Problem.MISSING_SHARD,
                            null,
                            "listed in " + indexFile + " for " + s.getValue().size() + " tensors (e.g. '"
                                    + s.getValue().get(0) + "') but the file does not exist",
                            null);
                }
                SafetensorsFile f = SafetensorsFile.open(shardPath);
                opened.add(f);
                shardFiles.put(s.getKey(), f);
                for (String name : s.getValue()) {
                    if (!f.contains(name)) {
                        throw new SafetensorsException(
                                shardPath,
                                Problem.SHARD_MISMATCH,
                                name,
                                indexFile.getFileName() + " places the tensor in this shard but it is not there",
                                null);
                    }
                }
            }
            // Index order first, as transformers iterates the weight map.
            var names = map.fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                owner.put(n, shardFiles.get(map.get(n).textValue()));
            }
            // Tensors a shard holds beyond the index still load in transformers; expose them too.
            for (SafetensorsFile f : opened) {
                for (String n : f.names()) {
                    owner.putIfAbsent(n, f);
                }
            }
            return new SafetensorsCheckpoint(
                    dir, Collections.unmodifiableMap(meta), List.copyOf(opened), Collections.unmodifiableMap(owner));
        } catch (SafetensorsException e) {
            for (SafetensorsFile f : opened) {
                try {
                    f.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static JsonNode readIndex(Path indexFile) throws SafetensorsException {
        byte[] bytes;
        try {
            bytes = LocalFiles.readRegular(indexFile, HeaderParser.MAX_HEADER_BYTES);
        } catch (LocalFiles.NotRegularFileException e) {
            throw new SafetensorsException(indexFile, Problem.NOT_A_REGULAR_FILE, null, e.getReason(), e);
        } catch (LocalFiles.FileTooLargeException e) {
            throw new SafetensorsException(indexFile, Problem.INVALID_INDEX, null, e.getReason(), e);
        } catch (IOException e) {
            throw new SafetensorsException(indexFile, Problem.IO_ERROR, null, e.toString(), e);
        }
        try {
            String text = HeaderParser.decodeUtf8(indexFile, bytes);
            JsonNode root = HeaderParser.MAPPER.readTree(text);
            if (root == null || !root.isObject()) {
                throw new SafetensorsException(indexFile, Problem.INVALID_INDEX, "not a JSON object");
            }
            return root;
        } catch (SafetensorsException e) {
            throw new SafetensorsException(indexFile, Problem.INVALID_INDEX, null, e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new SafetensorsException(indexFile, Problem.INVALID_INDEX, null, e.getMessage(), e);
        }
    }

    /** The checkpoint directory. */
    public Path directory() {
        return directory;
    }

    /** The index's {@code metadata} (values as text, e.g. total_size); empty for a single file. */
    public Map<String, String> indexMetadata() {
        return indexMetadata;
    }

    /** The opened shard files (one for a single-file checkpoint). */
    public List<SafetensorsFile> shards() {
        return shards;
    }

    /** All tensor names: index order, then any extra tensors found in the shards. */
    public List<String> names() {
        return List.copyOf(owner.keySet());
    }

    /** Whether a tensor exists. */
    public boolean contains(String name) {
        return owner.containsKey(name);
    }

    /** The shard holding a tensor. */
    public SafetensorsFile shardOf(String name) {
        SafetensorsFile f = owner.get(name);
        if (f == null) {
            throw new NoSuchElementException("no tensor '" + name + "' in checkpoint " + directory);
        }
        return f;
    }

    /** The header entry of a tensor (offsets relative to its shard's data section). */
    public TensorInfo info(String name) {
        return shardOf(name).info(name);
    }

    /** See {@link SafetensorsFile#floats}. */
    public float[] floats(String name) throws SafetensorsException {
        return shardOf(name).floats(name);
    }

    /** See {@link SafetensorsFile#toNDArray}. */
    public NDArray toNDArray(String name, NDManager manager) throws SafetensorsException {
        return shardOf(name).toNDArray(name, manager);
    }

    /** See {@link SafetensorsFile#toNDArrayAsync}. */
    public CompletableFuture<NDArray> toNDArrayAsync(String name, NDManager manager, Executor executor)
            throws SafetensorsException {
        return shardOf(name).toNDArrayAsync(name, manager, executor);
    }

    /** Closes every shard. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsFile f : shards) {
            try {
                f.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
