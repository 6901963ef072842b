package ai.peft4j;

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
import ai.peft4j.tuners.BaseTuner;
import ai.peft4j.tuners.ModulesToSaveWrapper;
import ai.peft4j.tuners.TunerLayer;
import ai.peft4j.tuners.lora.LoraConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The adapter's part of the state dict, under the keys PEFT writes (PEFT's {@code
 * get_peft_model_state_dict} / {@code set_peft_model_state_dict}): in-memory keys such as {@code
 * base_model.model.…q_proj.lora_A.default.weight} are saved as {@code …q_proj.lora_A.weight}, and
 * a modules_to_save copy {@code …score.modules_to_save.default.weight} as {@code …score.weight}.
 * Loading inverts the same map, so both directions agree by construction.
 */
final class AdapterWeights {

  private AdapterWeights() {}

  /** Saved key → parameter, for adapter {@code adapter} of {@code model}. */
  static Map<String, Parameter> stateDict(PeftModel model, String adapter) {
    Map<String, Parameter> all = ModuleTree.namedParameters(model);
    String prefix = "base_model.model.";
    List<String> layerPaths = new ArrayList<>();
    if (!model.isPromptLearning()) {
      model.baseModel().tunerLayers().keySet().forEach(k -> layerPaths.add(prefix + k + "."));
    }
    LoraConfig lora = model.peftConfig().get(adapter) instanceof LoraConfig
        ? (LoraConfig) model.peftConfig().get(adapter) : null;

    List<String> wrapperPaths = new ArrayList<>();
    ModulesToSaveWrapper.find(model).keySet().forEach(wrapperPaths::add);
    Map<String, Parameter> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : all.entrySet()) {
      String key = e.getKey();
      String saved = savedKey(key, layerPaths, wrapperPaths, adapter);
      if (saved != null) {
        out.put(saved, e.getValue());
      } else if (lora != null && isSavedBias(lora, key, layerPaths)) {
        out.put(key, e.getValue());
      }
    }
    return out;
  }

  /** The saved key of an adapter weight or a modules_to_save copy, or null for anything else. */
  private static String savedKey(
      String key, List<String> layerPaths, List<String> wrapperPaths, String adapter) {
    for (String layer : layerPaths) {
      String saved = BaseTuner.savedKey(key, layer.substring(0, layer.length() - 1), adapter);
      if (saved != null) {
        return saved;
      }
    }
    for (String wrapper : wrapperPaths) {
      String saved = BaseTuner.savedCopyKey(key, wrapper, adapter);
      if (saved != null) {
        return saved;
      }
    }
    return null;
  }

  private static boolean isSavedBias(LoraConfig config, String key, List<String> layerPaths) {
    if (!key.endsWith("bias") || key.contains(".original_module.") || key.contains(".modules_to_save.")) {
      return false;
    }
    switch (config.bias()) {
      case ALL:
        return !key.contains(".lora_");
      case LORA_ONLY:
        return layerPaths.stream().anyMatch(p -> key.equals(p + "base_layer.bias"));
      default:
        return false;
    }
  }

  /** PEFT's key for the virtual tokens' embeddings of a prompt-learning adapter. */
  static final String PROMPT_EMBEDDINGS = "prompt_embeddings";

  /** Writes adapter {@code adapter}'s weights to {@code file} (atomically). */
  static void save(PeftModel model, String adapter, Path file) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    if (model.isPromptLearning()) {
      // PEFT: the encoder's output for all virtual tokens (or the embedding in inference mode), then the copies.
      try (NDManager scope = NDManager.newBaseManager()) {
        tensors.put(PROMPT_EMBEDDINGS, Tensor.of(model.prompts().promptEmbeddingsToSave(adapter, scope)));
      }
    }
    stateDict(model, adapter).forEach((key, p) -> {
      if (!p.isInitialized()) {
        throw new IllegalStateException(
            "cannot save adapter '" + adapter + "': '" + key + "' has no value yet (load or"
                + " initialize the base model before saving)");
      }
      tensors.put(key, Tensor.of(p.getArray()));
    });
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
  static void load(PeftModel model, String adapter, SafetensorsFile file) {
    Map<String, Parameter> wanted = new LinkedHashMap<>();
    if (model.isPromptLearning()) {
      // PEFT's set_peft_model_state_dict: prompt_embeddings goes into prompt_encoder.<adapter>.embedding.weight.
      model.prompts().initializeEncoders();
      wanted.put(PROMPT_EMBEDDINGS, model.promptEncoder(adapter).embedding().weight());
    }
    wanted.putAll(stateDict(model, adapter));
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
      if (!file.contains(key) && !key.endsWith("bias")) {
        missing.add(key);
      }
    });
    if (!unexpected.isEmpty() || !mismatched.isEmpty() || !missing.isEmpty() || !wrongDtype.isEmpty()) {
      throw new AdapterLoadException(
          "adapter weights in " + file.path() + " do not fit adapter '" + adapter + "'"
              + (missing.isEmpty() ? "" : "; missing keys: " + brief(missing))
              + (unexpected.isEmpty() ? "" : "; unexpected keys: " + brief(unexpected))
              + (mismatched.isEmpty() ? "" : "; shape mismatches: " + brief(mismatched))
              + (wrongDtype.isEmpty() ? "" : "; not floating-point: " + brief(wrongDtype))
              + ". Check that adapter_config.json matches the weights and that the base model"
              + " is the one the adapter was trained on. The model was left unchanged.");
    }
    NDManager owner = ownerManager(model);
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
    return keys.size() <= 20 ? keys.toString()
        : keys.subList(0, 20).toString().replaceFirst("]$", ", ... (" + keys.size() + " in all)]");
  }

  /** The manager that holds the base model's weights, where adapter weights belong too. */
  private static NDManager ownerManager(PeftModel model) {
    if (model.isPromptLearning()) {
      Parameter w = model.prompts().wordEmbeddings().weight();
      if (w.isInitialized()) {
        return w.getArray().getManager();
      }
    }
    for (TunerLayer layer : model.isPromptLearning() ? List.<TunerLayer>of()
        : model.baseModel().tunerLayers().values()) {
      Parameter w = ModuleTree.directParameters(layer.baseLayer()).get("weight");
      if (w != null && w.isInitialized()) {
        return w.getArray().getManager();
      }
    }
    for (Parameter p : ModuleTree.uniqueParameters(model).values()) {
      if (p.isInitialized()) {
        return p.getArray().getManager();
      }
    }
    throw new IllegalStateException(
        "the base model has no weights yet; load or initialize it before loading an adapter");
  }
}
