package ai.peft4j.tuners;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.peft4j.io.safetensors.Dtype;
import ai.peft4j.io.safetensors.SafetensorsException;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.io.safetensors.SafetensorsWriter;
import ai.peft4j.io.safetensors.Tensor;
import ai.peft4j.io.safetensors.TensorInfo;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.Weights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An adapter's weights file, {@code adapter_model.safetensors}, under the keys PEFT writes (PEFT's
 * {@code get_peft_model_state_dict} / {@code set_peft_model_state_dict}). The keys come from the
 * host's {@link AdapterHost#stateDict}, so saving and loading agree by construction.
 */
public final class AdapterWeights {

    private AdapterWeights() {}

    /** Writes adapter {@code adapter}'s weights to {@code file} (atomically). */
    public static void save(AdapterHost host, String adapter, Path file) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (NDManager scope = NDManager.newBaseManager()) {
            Map<String, NDArray> computed = host.computedTensors(adapter, scope);
            computed.forEach((key, value) -> tensors.put(key, Tensor.of(value)));
            host.stateDict(adapter).forEach((key, p) -> {
                if (computed.containsKey(key)) {
                    return;
                }
                if (!p.isInitialized()) {
                    throw new IllegalStateException("cannot save adapter '" + adapter + "': '" + key
                            + "' has no value yet (load or" + " initialize the base model before saving)");
                }
                tensors.put(key, Tensor.of(p.getArray()));
            });
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save adapter to " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Puts the tensors of {@code file} into adapter {@code adapter}. Everything is checked before
     * any value is written: each file key must be one of the adapter's keys with the same shape, and
     * every adapter weight must be in the file.
     */
    public static void load(AdapterHost host, String adapter, SafetensorsFile file) {
        Map<String, Parameter> wanted = host.stateDict(adapter);
        List<String> unexpected = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> wrongDtype = new ArrayList<>();
        for (String name : file.names()) {
            Parameter p = wanted.get(name);
            if (p == null) {
                unexpected.add(name);
                continue;
            }
            TensorInfo info = file.info(name);
            Shape inFile = new Shape(info.shape());
            Shape inModel = ModuleTree.shapeOf(name, p);
            if (!inFile.equals(inModel)) {
                mismatched.add(name + ": model " + inModel + " vs file " + inFile);
            }
            if (!info.dtype().isFloatingPoint()) {
                wrongDtype.add(name + ": " + info.dtype() + ", expected " + Dtype.fromDjl(Weights.loadType(p)));
            }
        }
        List<String> missing = new ArrayList<>();
        wanted.forEach((key, p) -> {
            if (!file.contains(key) && !host.optionalInFile(adapter, key)) {
                missing.add(key);
            }
        });
        if (!unexpected.isEmpty() || !mismatched.isEmpty() || !missing.isEmpty() || !wrongDtype.isEmpty()) {
            throw new AdapterLoadException("adapter weights in " + file.path() + " do not fit adapter '" + adapter + "'"
                    + (missing.isEmpty() ? "" : "; missing keys: " + brief(missing))
                    + (unexpected.isEmpty() ? "" : "; unexpected keys: " + brief(unexpected))
                    + (mismatched.isEmpty() ? "" : "; shape mismatches: " + brief(mismatched))
                    + (wrongDtype.isEmpty() ? "" : "; not floating-point: " + brief(wrongDtype))
                    + ". Check that adapter_config.json matches the weights and that the base model"
                    + " is the one the adapter was trained on. The model was left unchanged.");
        }
        NDManager owner = host.weightsManager();
        for (String name : file.names()) {
            try {
                Parameter p = wanted.get(name);
                // F64 becomes the model's dtype, as PEFT's load_state_dict copies into the parameter.
                NDArray value = Weights.toLoadType(file.toNDArray(name, owner), p);
                Weights.assign(name, p, value, owner);
            } catch (SafetensorsException e) {
                throw new AdapterLoadException("cannot read adapter weights: " + e.getMessage(), e);
            }
        }
    }

    /** A list for a message: whole up to 20 entries, else the first 20 and the count. */
    private static String brief(List<String> keys) {
        return keys.size() <= 20
                ? keys.toString()
                : keys.subList(0, 20).toString().replaceFirst("]$", ", ... (" + keys.size() + " in all)]");
    }
}
