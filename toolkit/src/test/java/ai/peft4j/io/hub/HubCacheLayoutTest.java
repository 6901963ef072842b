package ai.peft4j.io.hub;

import static ai.peft4j.io.hub.HubTestSupport.ADAPTER;
import static ai.peft4j.io.hub.HubTestSupport.BASE;
import static ai.peft4j.io.hub.HubTestSupport.bytes;
import static ai.peft4j.io.hub.HubTestSupport.client;
import static ai.peft4j.io.hub.HubTestSupport.tinyOpt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Walks the whole cache after downloads and compares it with the layout {@code huggingface_hub}
 * writes (and reads): blobs named by ETag, snapshots as relative symlinks, refs holding the
 * commit without a newline, lock files under {@code .locks}.
 */
class HubCacheLayoutTest {

    @TempDir
    Path cache;

    @Test
    void theCacheIsExactlyHuggingFaceHubsLayout() throws IOException {
        try (FakeHub hub = new FakeHub()) {
            String baseCommit = HubTestSupport.publishBase(hub, BASE);
            String adapterCommit = HubTestSupport.publishAdapter(hub, ADAPTER);
            HubClient c = client(hub, cache, null, false);
            c.downloadModel(BASE, null);
            c.downloadAdapter(ADAPTER, null);

            String config = FakeHub.gitBlobSha(bytes(tinyOpt().resolve("config.json")));
            String weights = FakeHub.hex("SHA-256", bytes(tinyOpt().resolve("model.safetensors")));
            String adapterConfig = FakeHub.gitBlobSha(bytes(tinyOpt().resolve("lora/adapter_config.json")));
            String adapterWeights = FakeHub.hex("SHA-256", bytes(tinyOpt().resolve("lora/adapter_model.safetensors")));

            Map<String, String> expected = new TreeMap<>();
            String b = "models--org--tiny-opt/";
            expected.put(b + "blobs/" + config, "file");
            expected.put(b + "blobs/" + weights, "file");
            expected.put(b + "refs/main", "file:" + baseCommit);
            expected.put(b + "snapshots/" + baseCommit + "/config.json", "link:../../blobs/" + config);
            expected.put(b + "snapshots/" + baseCommit + "/model.safetensors", "link:../../blobs/" + weights);
            String a = "models--org--tiny-opt-lora/";
            expected.put(a + "blobs/" + adapterConfig, "file");
            expected.put(a + "blobs/" + adapterWeights, "file");
            expected.put(a + "refs/main", "file:" + adapterCommit);
            expected.put(
                    a + "snapshots/" + adapterCommit + "/adapter_config.json", "link:../../blobs/" + adapterConfig);
            expected.put(
                    a + "snapshots/" + adapterCommit + "/adapter_model.safetensors",
                    "link:../../blobs/" + adapterWeights);
            for (String etag : new String[] {config, weights}) {
                expected.put(".locks/models--org--tiny-opt/" + etag + ".lock", "file");
            }
            for (String etag : new String[] {adapterConfig, adapterWeights}) {
                expected.put(".locks/models--org--tiny-opt-lora/" + etag + ".lock", "file");
            }

            assertEquals(expected, walk(cache));
            // Blobs hold the served bytes; the links resolve to them.
            assertTrue(Files.isSameFile(
                    cache.resolve(b + "blobs/" + weights),
                    cache.resolve(b + "snapshots/" + baseCommit + "/model.safetensors")));
        }
    }

    @Test
    void filesInSubfoldersLinkWithTheRightDepth() throws IOException {
        try (FakeHub hub = new FakeHub()) {
            String commit = hub.commit("solo", "main", Map.of("sub/dir/notes.txt", new byte[] {'x'}));
            Path p = client(hub, cache, null, false).hfHubDownload("solo", "sub/dir/notes.txt", null);
            assertEquals(cache.resolve("models--solo/snapshots/" + commit + "/sub/dir/notes.txt"), p);
            assertEquals(
                    "../../../../blobs/" + FakeHub.gitBlobSha(new byte[] {'x'}),
                    Files.readSymbolicLink(p).toString());
            assertFalse(Files.exists(cache.resolve("models--solo/refs/" + commit)));
        }
    }

    /** Every file and link under {@code root}: "file", "file:&lt;content&gt;" for refs, "link:&lt;target&gt;". */
    private static Map<String, String> walk(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String rel = root.relativize(p).toString().replace('\\', '/');
                if (rel.startsWith("hf-home")) {
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link:" + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, rel.contains("/refs/") ? "file:" + Files.readString(p) : "file");
                }
            }
        }
        return out;
    }
}
