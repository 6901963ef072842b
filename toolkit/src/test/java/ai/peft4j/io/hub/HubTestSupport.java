package ai.peft4j.io.hub;

import ai.peft4j.testing.Golden;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Clients wired to a {@link FakeHub}, never to the real environment, and the fixture repos. */
public final class HubTestSupport {

    public static final String BASE = "org/tiny-opt";
    public static final String ADAPTER = "org/tiny-opt-lora";

    private HubTestSupport() {}

    /** The committed {@code hf-reference/tiny_opt} fixture; fails naming the path when it is missing. */
    public static Path tinyOpt() {
        return Golden.tinyOpt();
    }

    /** A client for {@code hub} with its own cache; HF_HOME points into the cache folder. */
    public static HubClient client(FakeHub hub, Path cache, String token, boolean offline) {
        return HubClient.builder()
                .environment(Map.of("HF_HOME", cache.resolve("hf-home").toString()))
                .endpoint(hub.url())
                .cacheDir(cache)
                .token(token)
                .offline(offline)
                .timeout(Duration.ofSeconds(10))
                .build();
    }

    /** Publishes the tiny OPT model under {@code repoId} and returns the commit. */
    public static String publishBase(FakeHub hub, String repoId) {
        try {
            return hub.commitFolder(repoId, tinyOpt(), "config.json", "generation_config.json", "model.safetensors");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Publishes PEFT's LoRA adapter for the tiny OPT model under {@code repoId}. */
    public static String publishAdapter(FakeHub hub, String repoId) {
        try {
            return hub.commitFolder(
                    repoId, tinyOpt().resolve("lora"), "adapter_config.json", "adapter_model.safetensors");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
