package ai.peft4j.io.safetensors;

import ai.peft4j.io.json.PythonJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Writes a checkpoint split into shards the way transformers' {@code save_pretrained(...,
 * max_shard_size=...)} does (4.39): tensors are taken in the map's iteration order and a new shard
 * starts when the next tensor would push the current one over the limit (a tensor larger than the
 * limit gets a shard of its own). One shard is written as {@code model.safetensors} without an
 * index; several as {@code model-00001-of-0000N.safetensors} plus {@code
 * model.safetensors.index.json} formatted like Python's {@code json.dumps(index, indent=2,
 * sort_keys=True) + "\n"}, with {@code metadata.total_size}.
 *
 * <pre>{@code
 * List<Path> written = ShardedSafetensorsWriter.write(dir, tensors, Map.of("format", "pt"),
 *     5_000_000_000L);
 * }</pre>
 *
 * <p>Each file is written atomically; the index is written last so that a reader never sees an
 * index naming shards that are not there yet. Stale shards of an earlier save are not deleted.
 */
public final class ShardedSafetensorsWriter {
    private ShardedSafetensorsWriter() {}

    /**
     * Writes the checkpoint.
     *
     * @param metadata {@code __metadata__} for every shard (transformers passes {"format": "pt"})
     * @param maxShardBytes the shard size limit in bytes (transformers' "5GB" is 5,000,000,000)
     * @return the files written, index last
     */
    public static List<Path> write(
            Path directory,
            Map<String, ? extends TensorSource> tensors,
            Map<String, String> metadata,
            long maxShardBytes)
            throws IOException {
        Objects.requireNonNull(directory, "directory");
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive: " + maxShardBytes);
        }
        List<Map<String, TensorSource>> shards = split(tensors, maxShardBytes);
        List<Path> written = new ArrayList<>();
        if (shards.size() == 1) {
            Path file = directory.resolve(SafetensorsCheckpoint.SINGLE_FILE);
            SafetensorsWriter.write(file, shards.get(0), metadata);
            written.add(file);
            return written;
        }
        Map<String, String> weightMap = new TreeMap<>(ShardedSafetensorsWriter::comparePython);
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            Path file = directory.resolve(name);
            SafetensorsWriter.write(file, shards.get(i), metadata);
            written.add(file);
            for (Map.Entry<String, TensorSource> e : shards.get(i).entrySet()) {
                weightMap.put(e.getKey(), name);
                total += e.getValue().byteLength();
            }
        }
        Path index = directory.resolve(SafetensorsCheckpoint.INDEX_FILE);
        byte[] json = indexJson(total, weightMap).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(index, ch -> {
            ByteBuffer b = ByteBuffer.wrap(json);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
        written.add(index);
        return written;
    }

    /** transformers' shard_checkpoint split rule. */
    static List<Map<String, TensorSource>> split(Map<String, ? extends TensorSource> tensors, long maxShardBytes) {
        List<Map<String, TensorSource>> shards = new ArrayList<>();
        shards.add(new LinkedHashMap<>());
        long current = 0;
        for (Map.Entry<String, ? extends TensorSource> e : tensors.entrySet()) {
            long size = e.getValue().byteLength();
            Map<String, TensorSource> last = shards.get(shards.size() - 1);
            if (current + size > maxShardBytes && !last.isEmpty()) {
                last = new LinkedHashMap<>();
                shards.add(last);
                current = 0;
            }
            last.put(e.getKey(), e.getValue());
            current += size;
        }
        return shards;
    }

    /** The index text, as Python's json.dumps(indent=2, sort_keys=True) + "\n" prints it. */
    static String indexJson(long totalSize, Map<String, String> sortedWeightMap) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\n  \"metadata\": {\n    \"total_size\": ")
                .append(totalSize)
                .append("\n  },\n");
        sb.append("  \"weight_map\": {");
        boolean first = true;
        for (Map.Entry<String, String> e : sortedWeightMap.entrySet()) {
            sb.append(first ? "\n" : ",\n").append("    ");
            PythonJson.appendString(sb, e.getKey());
            sb.append(": ");
            PythonJson.appendString(sb, e.getValue());
            first = false;
        }
        sb.append(first ? "}\n}\n" : "\n  }\n}\n");
        return sb.toString();
    }

    /** Python sorts str keys by code point. */
    private static int comparePython(String a, String b) {
        return PythonJson.compareCodePoints(a, b);
    }
}
