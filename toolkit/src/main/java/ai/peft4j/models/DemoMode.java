package ai.peft4j.models;

import ai.peft4j.io.hub.HubClient;
import ai.peft4j.io.hub.HubException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An explicit, visible stand-in for weights that cannot be had: with demo mode on, {@code
 * fromPretrained("facebook/opt-350m")} on a machine without the weights (not a local folder, not in
 * the Hugging Face cache) builds the architecture from the configuration shipped with peft4j and
 * fills it with seeded random weights, and says so on standard output. Every shipped configuration
 * works this way ({@link #shippedModels()}: OPT, GPT-2, Llama, Qwen2, Mistral, Gemma, Bloom, BERT,
 * RoBERTa, T5 and mT0), through the {@code AutoModelFor*} class of its task. Off by default;
 * notebooks that must run without a network turn it on in their first cell.
 *
 * <pre>{@code
 * DemoMode.enable(42);
 * var model = AutoModelForCausalLM.fromPretrained("facebook/opt-350m");   // prints that it is a demo
 * var t5 = AutoModelForSeq2SeqLM.fromPretrained("t5-small");              // T5's own per-matrix init
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
                .orElseThrow(() ->
                        new IllegalArgumentException("demo mode: '" + nameOrPath + "' is neither local nor cached,"
                                + " and peft4j ships no configuration for it (shipped: "
                                + describeShipped() + ")"));
        M model = fromConfig.apply(config);
        model.initWeights(s);
        model.setNameOrPath(nameOrPath);
        System.out.println("[demo mode] " + nameOrPath + ": weights not available here; built "
                + model.getClass().getSimpleName() + " from its published config.json with seeded random"
                + " weights (seed " + s + "). Parameter counts and files are real; outputs are not.");
        return model;
    }

    /**
     * The Hub ids whose {@code config.json} peft4j ships, by {@code model_type}, sorted: what demo mode can build
     * without a network.
     *
     * <pre>{@code
     * DemoMode.shippedModels().get("t5");   // [bigscience/mt0-large, t5-base, t5-large, t5-small]
     * }</pre>
     */
    public static Map<String, List<String>> shippedModels() {
        Map<String, List<String>> out = new TreeMap<>();
        try {
            // every classpath entry that has the folder (classes and test classes, or a jar)
            Enumeration<URL> roots = DemoMode.class.getClassLoader().getResources(SHIPPED_ROOT);
            while (roots.hasMoreElements()) {
                URI uri = roots.nextElement().toURI();
                if (uri.getScheme().equals("jar")) {
                    try (FileSystem jar = jarFileSystem(uri)) {
                        collect(jar.provider().getPath(uri), out);
                    }
                } else {
                    collect(Path.of(uri), out);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        out.replaceAll((family, ids) -> ids.stream().distinct().sorted().toList());
        return out;
    }

    private static final String SHIPPED_ROOT = "ai/peft4j/models";

    private static FileSystem jarFileSystem(URI uri) throws IOException {
        try {
            return FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
            // someone else holds it open; a second, private view of the same jar
            String jar = uri.getSchemeSpecificPart();
            return FileSystems.newFileSystem(Path.of(URI.create(jar.substring(0, jar.indexOf("!/")))));
        }
    }

    private static void collect(Path root, Map<String, List<String>> out) throws IOException {
        try (Stream<Path> files = Files.walk(root, 2)) {
            files.filter(p -> p.getFileName().toString().endsWith(".json")).forEach(p -> {
                String family = p.getParent().getFileName().toString().replace("/", "");
                String file = p.getFileName().toString();
                String id = file.substring(0, file.length() - ".json".length()).replace("--", "/");
                out.computeIfAbsent(family, f -> new ArrayList<>()).add(id);
            });
        }
    }

    /** "opt: facebook/opt-125m, facebook/opt-350m; t5: ..." */
    private static String describeShipped() {
        return shippedModels().entrySet().stream()
                .map(e -> e.getKey() + ": " + String.join(", ", e.getValue()))
                .collect(Collectors.joining("; "));
    }

    private static Optional<Path> cached(String repoId) {
        try {
            return Optional.of(HubClient.getDefault().offlineCopy().modelDir(repoId));
        } catch (HubException | IllegalArgumentException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }
}
