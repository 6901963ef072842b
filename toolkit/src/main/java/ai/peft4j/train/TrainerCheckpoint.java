package ai.peft4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.io.safetensors.SafetensorsWriter;
import ai.peft4j.io.safetensors.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The trainer's own state file, {@value #FILE}, written next to the PEFT adapter in each {@code
 * checkpoint-<step>/}: for every trainable parameter (by in-memory key) its FP32 value ({@code
 * master/<key>}), AdamW's first and second moments ({@code exp_avg/<key>}, {@code
 * exp_avg_sq/<key>}); the step counters, schedule and data/RNG position are in the header's
 * {@code __metadata__}.
 */
public final class TrainerCheckpoint {

  /** The file name. */
  public static final String FILE = "optimizer.safetensors";
  /** The format tag in the metadata. */
  public static final String FORMAT = "peft4j-trainer-1";

  private TrainerCheckpoint() {}

  static void write(Path file, Map<String, Parameter> params, AdamW opt, Map<String, String> meta) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      String k = e.getKey();
      tensors.put("master/" + k, floats(e.getValue().getArray()));
      NDArray m = opt.expAvg().get(k);
      NDArray v = opt.expAvgSq().get(k);
      if (m != null) {
        tensors.put("exp_avg/" + k, floats(m));
        tensors.put("exp_avg_sq/" + k, floats(v));
      }
    }
    Map<String, String> md = new LinkedHashMap<>(meta);
    md.put("format", FORMAT);
    md.put("optimizer", "AdamW");
    md.put("optimizer_step", Long.toString(opt.stepCount()));
    try {
      SafetensorsWriter.write(file, tensors, md);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Tensor floats(NDArray a) {
    return Tensor.ofFloats(a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(),
        a.getShape().getShape());
  }

  /** What a state file holds. */
  record State(Map<String, String> metadata, Map<String, float[]> master,
      Map<String, float[]> expAvg, Map<String, float[]> expAvgSq) {}

  static State read(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      if (!FORMAT.equals(f.metadata().get("format"))) {
        throw new IllegalArgumentException(file + " is not a peft4j trainer state ("
            + FORMAT + ")");
      }
      Map<String, float[]> master = new LinkedHashMap<>();
      Map<String, float[]> m = new LinkedHashMap<>();
      Map<String, float[]> v = new LinkedHashMap<>();
      for (String name : f.names()) {
        int slash = name.indexOf('/');
        String kind = name.substring(0, slash);
        String key = name.substring(slash + 1);
        float[] values = f.floats(name);
        switch (kind) {
          case "master" -> master.put(key, values);
          case "exp_avg" -> m.put(key, values);
          case "exp_avg_sq" -> v.put(key, values);
          default -> { }
        }
      }
      return new State(Map.copyOf(f.metadata()), master, m, v);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
