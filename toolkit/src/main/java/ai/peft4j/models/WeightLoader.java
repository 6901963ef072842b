package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.peft4j.io.safetensors.Dtype;
import ai.peft4j.io.safetensors.SafetensorsCheckpoint;
import ai.peft4j.io.safetensors.SafetensorsException;
import ai.peft4j.io.safetensors.SafetensorsWriter;
import ai.peft4j.io.safetensors.Tensor;
import ai.peft4j.io.safetensors.TensorInfo;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.Weights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Moves weights between a model's module tree and HF safetensors checkpoints. */
final class WeightLoader {

    private static final Logger LOG = LoggerFactory.getLogger(WeightLoader.class);
    static final String WEIGHTS_NAME = "model.safetensors";

    private WeightLoader() {}

    static void load(PreTrainedModel model, Path dir) {
        Map<String, Parameter> wanted = ModuleTree.uniqueParameters(model);
        Map<String, Parameter> all = ModuleTree.namedParameters(model);
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            // A checkpoint saved from the bare model (OPTModel) lacks the "model." prefix.
            String prefix = model.baseModelPrefix() + ".";
            boolean addPrefix = ckpt.names().stream().noneMatch(n -> n.startsWith(prefix))
                    && wanted.keySet().stream().anyMatch(k -> k.startsWith(prefix));
            // The other way round: a bare model (BertModel) from a checkpoint with a head keeps only what
            // sits under "bert.", as transformers does.
            boolean removePrefix = !addPrefix
                    && wanted.keySet().stream().noneMatch(k -> k.startsWith(prefix))
                    && ckpt.names().stream().anyMatch(n -> n.startsWith(prefix));

            // Old TF-converted checkpoints (bert-base-uncased) name LayerNorm weights gamma and beta: transformers'
            // _fix_key reads them as weight and bias.
            Map<String, String> stored = new java.util.HashMap<>();
            for (String name : ckpt.names()) {
                stored.putIfAbsent(fixKey(name), name);
            }
            Map<String, String> fileKeyOf = new LinkedHashMap<>();
            List<String> missing = new ArrayList<>();
            List<String> mismatched = new ArrayList<>();
            List<String> wrongDtype = new ArrayList<>();
            for (Map.Entry<String, Parameter> e : wanted.entrySet()) {
                String key = e.getKey();
                String fileKey = addPrefix && key.startsWith(prefix)
                        ? key.substring(prefix.length())
                        : removePrefix ? prefix + key : key;
                if (!ckpt.contains(fileKey) && stored.containsKey(fileKey)) {
                    fileKey = stored.get(fileKey);
                }
                if (!ckpt.contains(fileKey)) {
                    missing.add(key);
                    continue;
                }
                TensorInfo info = ckpt.info(fileKey);
                Shape fileShape = new Shape(info.shape());
                Shape modelShape = ModuleTree.shapeOf(key, e.getValue());
                if (!fileShape.equals(modelShape)) {
                    mismatched.add(key + ": model " + modelShape + " vs file " + fileShape);
                }
                if (!info.dtype().isFloatingPoint()) {
                    wrongDtype.add(key + ": " + info.dtype() + " in "
                            + ckpt.shardOf(fileKey).path() + ", expected "
                            + Dtype.fromDjl(Weights.loadType(e.getValue())));
                }
                fileKeyOf.put(key, fileKey);
            }
            // A checkpoint of the bare model has no task head: like transformers, create it fresh.
            List<String> freshHead = new ArrayList<>();
            if (missing.size() < wanted.size()) {
                for (String key : missing) {
                    if (model.taskHeadPrefixes().stream().anyMatch(key::startsWith)) {
                        freshHead.add(key);
                    }
                }
                missing.removeAll(freshHead);
            }
            if (!missing.isEmpty() || !mismatched.isEmpty() || !wrongDtype.isEmpty()) {
                throw new WeightLoadException(
                        "checkpoint " + dir + " does not fit "
                                + model.getClass().getSimpleName()
                                + (missing.isEmpty() ? "" : "; missing keys: " + brief(missing))
                                + (mismatched.isEmpty() ? "" : "; shape mismatches: " + brief(mismatched))
                                + (wrongDtype.isEmpty() ? "" : "; not floating-point: " + brief(wrongDtype))
                                + ". Check that config.json describes these weights"
                                + (wrongDtype.isEmpty()
                                        ? ""
                                        : " and that the file holds weights (F32, F16,"
                                                + " BF16 or F64), not token ids or masks")
                                + ".",
                        missing,
                        mismatched,
                        wrongDtype);
            }
            List<String> unexpected = new ArrayList<>();
            for (String name : ckpt.names()) {
                String key = addPrefix
                        ? prefix + fixKey(name)
                        : removePrefix && name.startsWith(prefix)
                                ? fixKey(name).substring(prefix.length())
                                : fixKey(name);
                if (!all.containsKey(key)) {
                    unexpected.add(name);
                }
            }
            if (!unexpected.isEmpty()) {
                LOG.warn("{}: ignored keys the model does not use: {}", dir, unexpected);
            }
            readAndAssign(model, dir, ckpt, fileKeyOf, wanted);
            if (!freshHead.isEmpty()) {
                model.initWeights(0); // fills only what the checkpoint did not
                LOG.warn(
                        "Some weights of {} were not in {} and are newly initialized: {}. Train this"
                                + " model on a downstream task before using it for predictions.",
                        model.getClass().getSimpleName(),
                        dir,
                        freshHead);
            }
        } catch (SafetensorsException e) {
            throw new WeightLoadException("cannot load weights from " + dir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load weights from " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads each tensor of {@code fileKeyOf} and gives it to its parameter, in order. The engine's
     * arrays are allocated here and filled on a few threads (the shards of a sharded checkpoint,
     * and the tensors of one file, at once), a bounded number ahead of the assignments, so at most
     * that many tensors beyond the model's own memory exist at a time.
     */
    private static void readAndAssign(
            PreTrainedModel model,
            Path dir,
            SafetensorsCheckpoint ckpt,
            Map<String, String> fileKeyOf,
            Map<String, Parameter> wanted)
            throws SafetensorsException {
        List<Map.Entry<String, String>> todo = new ArrayList<>(fileKeyOf.entrySet());
        long totalBytes = 0;
        for (Map.Entry<String, String> e : todo) {
            totalBytes += ckpt.info(e.getValue()).byteLength();
        }
        int threads = Math.min(READ_THREADS, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = threads <= 1 ? null : Executors.newFixedThreadPool(threads, READER_THREADS);
        Executor readers = pool == null ? Runnable::run : pool;
        ArrayDeque<CompletableFuture<NDArray>> ahead = new ArrayDeque<>();
        try (LoadProgress progress = LoadProgress.start(dir, totalBytes, LoadProgress.THRESHOLD)) {
            int submitted = 0;
            for (Map.Entry<String, String> e : todo) {
                while (submitted < todo.size() && ahead.size() < 2 * threads) {
                    // Each value lives on a manager of its own until assign adopts or copies it.
                    NDManager scratch = model.manager().newSubManager();
                    try {
                        ahead.add(ckpt.toNDArrayAsync(todo.get(submitted++).getValue(), scratch, readers));
                    } catch (SafetensorsException | RuntimeException ex) {
                        scratch.close();
                        throw ex;
                    }
                }
                NDArray value = take(ahead.poll());
                NDManager scratch = value.getManager();
                try {
                    Parameter p = wanted.get(e.getKey());
                    // F64 becomes the model's float32, as transformers casts to the model dtype.
                    Weights.assign(e.getKey(), p, Weights.toLoadType(value, p), model.manager());
                } finally {
                    scratch.close();
                }
                progress.step(ckpt.info(e.getValue()).byteLength());
            }
        } finally {
            // After a failure: let the reads still running finish, and free what they made.
            for (CompletableFuture<NDArray> f : ahead) {
                try {
                    f.join().getManager().close();
                } catch (RuntimeException ignored) {
                    // it failed too; its array is already closed
                }
            }
            if (pool != null) {
                pool.shutdown();
            }
        }
    }

    /** At most this many threads read tensors: beyond it the disk or the memory bus is the limit. */
    private static final int READ_THREADS = 4;

    private static final ThreadFactory READER_THREADS = r -> {
        Thread t = new Thread(r, "peft4j-weight-reader");
        t.setDaemon(true);
        return t;
    };

    /** The read's value, or its own error: a reader's exception reaches the caller as if read here. */
    private static NDArray take(CompletableFuture<NDArray> f) throws SafetensorsException {
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SafetensorsException se) {
                throw se;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** transformers' {@code _fix_key}: {@code beta} reads as {@code bias}, else {@code gamma} as {@code weight}. */
    static String fixKey(String key) {
        if (key.contains("beta")) {
            return key.replace("beta", "bias");
        }
        return key.contains("gamma") ? key.replace("gamma", "weight") : key;
    }

    /** A list for a message: whole up to 20 entries, else the first 20 and the count. */
    static String brief(List<String> keys) {
        return keys.size() <= 20
                ? keys.toString()
                : keys.subList(0, 20).toString().replaceFirst("]$", ", ... (" + keys.size() + " in all)]");
    }

    static void save(PreTrainedModel model, Path dir) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        ModuleTree.uniqueParameters(model).forEach((key, p) -> {
            if (!p.isInitialized()) {
                throw new IllegalStateException("cannot save: parameter '" + key + "' has no value yet");
            }
            tensors.put(key, Tensor.of(p.getArray()));
        });
        try {
            java.nio.file.Files.createDirectories(dir);
            SafetensorsWriter.write(dir.resolve(WEIGHTS_NAME), tensors, Map.of("format", "pt"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save weights to " + dir + ": " + e.getMessage(), e);
        }
    }
}
