package ai.peft4j.tuners;

/**
 * The weights of a saved adapter cannot be loaded: {@code adapter_model.safetensors} is missing,
 * not a regular file, malformed (then the cause is the {@link
 * ai.peft4j.io.safetensors.SafetensorsException} that says which tensor and why), or does not fit
 * the adapter its {@code adapter_config.json} describes (missing or unexpected keys, other shapes,
 * integer or bool tensors). The model is left as it was before the load.
 *
 * <pre>{@code
 * try {
 *   PeftModel peft = PeftModel.fromPretrained(base, Path.of("opt-lora"));
 * } catch (AdapterLoadException e) {
 *   System.err.println(e.getMessage());   // names the file and every key that does not fit
 * }
 * }</pre>
 *
 * <p>A subclass of {@link IllegalArgumentException}, as the adapter folder is an argument of the
 * load; a problem of {@code adapter_config.json} itself is a {@link PeftConfigException}.
 */
public class AdapterLoadException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public AdapterLoadException(String message) {
        super(message);
    }

    public AdapterLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
