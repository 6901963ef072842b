package ai.peft4j.tuners;

import ai.djl.nn.Block;
import ai.peft4j.config.PeftMethod;
import ai.peft4j.config.PeftType;
import java.util.EnumMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Which {@link TunerMethod} applies which {@code peft_type}, found through {@link ServiceLoader}
 * ({@code META-INF/services/ai.peft4j.config.PeftMethod}) so that this generic package knows no method by
 * name.
 */
public final class TunerRegistry {

    private static final Map<PeftType, TunerMethod> METHODS = load();

    private TunerRegistry() {}

    private static Map<PeftType, TunerMethod> load() {
        Map<PeftType, TunerMethod> out = new EnumMap<>(PeftType.class);
        // The toolkit's own class loader: JShell and notebook kernels may set another context loader.
        for (PeftMethod m : ServiceLoader.load(PeftMethod.class, PeftMethod.class.getClassLoader())) {
            if (m instanceof TunerMethod t) {
                out.put(t.peftType(), t);
            }
        }
        return out;
    }

    /** Whether adapters of {@code type} can be applied. */
    public static boolean isSupported(PeftType type) {
        return METHODS.containsKey(type);
    }

    /**
     * A new host for {@code type}'s adapters around {@code model}.
     *
     * @throws IllegalArgumentException when peft4j has no implementation of {@code type}
     */
    public static AdapterHost newHost(PeftType type, Block model) {
        TunerMethod m = METHODS.get(type);
        if (m == null) {
            throw new IllegalArgumentException(
                    type + " adapters cannot be applied by peft4j yet; supported: " + METHODS.keySet());
        }
        return m.newHost(model);
    }
}
