package ai.peft4j.models;

import ai.peft4j.io.hub.HubClient;
import ai.peft4j.io.hub.HubException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * An explicit, visible stand-in for weights that cannot be had: with demo mode on, {@code
 * fromPretrained("facebook/opt-350m")} on a machine without the weights (not a local folder, not in
 * the Hugging Face cache) builds the architecture from the configuration shipped with peft4j and
 * fills it with seeded random weights, and says so on standard output. Off by default; notebooks
 * that must run without a network turn it on in their first cell.
 *
 * <pre>{@code
 * DemoMode.enable(42);
 * var model = AutoModelForCausalLM.fromPretrained("facebook/opt-350m");   // prints that it is a demo
 * }</pre>
 */
public final class DemoMode {

    private static volatile Long seed;

    private DemoMode() {}

    /** Turns demo mode on; random weights are drawn from {@code seed}. */
    public static void enable(long seed) {
        DemoMode.seed = seed;
    }

    /** Turns demo mode off: a model that cannot be found is an error again. */
    public static void disable() {
        seed = null;
    }

    public static boolean isEnabled() {
        return seed != null;
    }

    /**
     * Loads {@code nameOrPath} as usual, except that in demo mode a Hub id whose weights are
     * neither local nor cached becomes a seeded random model built from the shipped configuration.
     */
    public static <M extends PreTrainedModel> M load(
            String nameOrPath, Function<Path, M> fromDir, Function<ObjectNode, M> fromConfig) {
        Long s = seed;
        if (s == null || HubClient.isLocalDir(nameOrPath)) {
            M model = fromDir.apply(HubClient.getDefault().modelDir(nameOrPath));
            model.setNameOrPath(nameOrPath);
            return model;
        }
        Optional<Path> cached = cached(nameOrPath);
        if (cached.isPresent()) {
            M model = fromDir.apply(cached.get());
            model.setNameOrPath(nameOrPath);
            return model;
        }
        ObjectNode config = PretrainedConfig.shippedAny(nameOrPath)
                .orElseThrow(
                        () -> new IllegalArgumentException(
                                "demo mode: '" + nameOrPath + "' is neither local nor cached,"
                                        + " and peft4j ships no configuration for it (shipped: facebook/opt-125m,"
                                        + " facebook/opt-350m, roberta-base, roberta-large, bigscience/bloomz-560m, bert-base-uncased)"));
        M model = fromConfig.apply(config);
        model.initWeights(s);
        model.setNameOrPath(nameOrPath);
        System.out.println("[demo mode] " + nameOrPath + ": weights not available here; built "
                + model.getClass().getSimpleName() + " from its published config.json with seeded random"
                + " weights (seed " + s + "). Parameter counts and files are real; outputs are not.");
        return model;
    }

    private static Optional<Path> cached(String repoId) {
        try {
            return Optional.of(HubClient.getDefault().offlineCopy().modelDir(repoId));
        } catch (HubException | IllegalArgumentException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }
}
