package ai.peft4j.models;

import java.util.List;

/**
 * A checkpoint does not fit the model: keys are missing or shapes differ. Nothing was loaded.
 * The lists name every offending key, so one run shows the whole problem.
 */
public class WeightLoadException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  private final List<String> missingKeys;
  private final List<String> mismatchedKeys;

  public WeightLoadException(String message, List<String> missingKeys, List<String> mismatchedKeys) {
    super(message);
    this.missingKeys = List.copyOf(missingKeys);
    this.mismatchedKeys = List.copyOf(mismatchedKeys);
  }

  /** Keys the model needs that the checkpoint lacks. */
  public List<String> missingKeys() {
    return missingKeys;
  }

  /** Keys present in both whose shapes differ, each as {@code key: model [..] vs file [..]}. */
  public List<String> mismatchedKeys() {
    return mismatchedKeys;
  }
}
