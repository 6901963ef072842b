package ai.peft4j.config;

/**
 * An adapter config that cannot be read or built: a missing or ill-typed key, a value PEFT would reject, or a
 * method peft4j does not support yet. The message names the key, what was found, what was expected and, when
 * reading from disk, the file.
 *
 * <pre>{@code
 * try {
 *     PeftConfig.fromJson("{\"peft_type\": \"LORA\", \"r\": \"four\"}");
 * } catch (PeftConfigException e) {
 *     // e.getMessage(): key 'r': expected an integer, found the string "four"
 * }
 * }</pre>
 */
public class PeftConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public PeftConfigException(String message) {
        super(message);
    }

    public PeftConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
