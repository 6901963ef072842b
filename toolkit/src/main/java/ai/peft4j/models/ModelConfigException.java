package ai.peft4j.models;

/**
 * A model's {@code config.json} cannot be used: it is unreadable or not a JSON object, a field has
 * the wrong type, a size is zero, negative, too large or inconsistent with another (for example
 * {@code hidden_size} not divisible by {@code num_attention_heads}), or the architecture is one
 * peft4j does not implement. The message names the key, what was found and what is allowed.
 *
 * <pre>{@code
 * try {
 *   OptConfig.builder().set("num_attention_heads", 0).build();
 * } catch (ModelConfigException e) {
 *   e.key();   // "num_attention_heads"
 * }
 * }</pre>
 */
public class ModelConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String key;

    /** A problem with field {@code key} (null when it concerns the file as a whole). */
    public ModelConfigException(String key, String message) {
        this(key, message, null);
    }

    public ModelConfigException(String key, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /** The {@code config.json} field at fault, or null when the problem is the file as a whole. */
    public String key() {
        return key;
    }
}
