package ai.peft4j.models;

import java.util.List;

/**
 * A checkpoint cannot be loaded into the model: keys are missing, shapes differ, a tensor is not
 * floating-point, or the files themselves are unreadable or malformed (then the cause is the
 * {@link ai.peft4j.io.safetensors.SafetensorsException} that says which file and why). Nothing was
 * loaded. The lists name every offending key, so one run shows the whole problem.
 *
 * <pre>{@code
 * try {
 *   lm.loadWeights(dir);
 * } catch (WeightLoadException e) {
 *   e.missingKeys();   // e.g. [lm_head.weight]
 * }
 * }</pre>
 */
public class WeightLoadException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final List<String> missingKeys;
    private final List<String> mismatchedKeys;
    private final List<String> wrongDtypeKeys;

    public WeightLoadException(String message, List<String> missingKeys, List<String> mismatchedKeys) {
        this(message, missingKeys, mismatchedKeys, List.of());
    }

    /** Keys are missing, shapes differ or tensors are not floating-point. */
    public WeightLoadException(
            String message, List<String> missingKeys, List<String> mismatchedKeys, List<String> wrongDtypeKeys) {
        super(message);
        this.missingKeys = List.copyOf(missingKeys);
        this.mismatchedKeys = List.copyOf(mismatchedKeys);
        this.wrongDtypeKeys = List.copyOf(wrongDtypeKeys);
    }

    /** The checkpoint could not be read; {@code cause} says why. */
    public WeightLoadException(String message, Throwable cause) {
        super(message, cause);
        this.missingKeys = List.of();
        this.mismatchedKeys = List.of();
        this.wrongDtypeKeys = List.of();
    }

    /** Keys the model needs that the checkpoint lacks. */
    public List<String> missingKeys() {
        return missingKeys;
    }

    /** Keys present in both whose shapes differ, each as {@code key: model [..] vs file [..]}. */
    public List<String> mismatchedKeys() {
        return mismatchedKeys;
    }

    /**
     * Keys whose tensor is an integer or bool where the model needs floating-point values, each as
     * {@code key: I64 in /path/model.safetensors, expected F32}.
     */
    public List<String> wrongDtypeKeys() {
        return wrongDtypeKeys;
    }
}
