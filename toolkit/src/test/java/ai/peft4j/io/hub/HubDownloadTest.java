package ai.peft4j.io.hub;

import static ai.peft4j.io.hub.HubTestSupport.ADAPTER;
import static ai.peft4j.io.hub.HubTestSupport.BASE;
import static ai.peft4j.io.hub.HubTestSupport.bytes;
import static ai.peft4j.io.hub.HubTestSupport.client;
import static ai.peft4j.io.hub.HubTestSupport.tinyOpt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubDownloadTest {

    @TempDir
    Path cache;

    FakeHub hub;
    String baseCommit;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        baseCommit = HubTestSupport.publishBase(hub, BASE);
        HubTestSupport.publishAdapter(hub, ADAPTER);
        hub.resetCounts();
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    @Test
    void firstDownloadStoresTheServedBytes() {
        HubClient c = client(hub, cache, null, false);
        Path config = c.hfHubDownload(BASE, "config.json", null);
        Path weights = c.hfHubDownload(BASE, "model.safetensors", "main");
        assertArrayEquals(bytes(tinyOpt().resolve("config.json")), bytes(config));
        assertArrayEquals(bytes(tinyOpt().resolve("model.safetensors")), bytes(weights));
        assertEquals(c.cache().snapshotDir(RepoId.parse(BASE), baseCommit), config.getParent());
        // HEAD each file, GET the small one from /resolve and the LFS one from the CDN redirect.
        List<String> log = hub.log();
        assertEquals(4, log.size(), log.toString());
        assertTrue(log.get(0).startsWith("HEAD /org/tiny-opt/resolve/main/config.json"), log.toString());
        assertTrue(log.get(1).startsWith("GET /org/tiny-opt/resolve/main/config.json"), log.toString());
        assertTrue(log.get(2).startsWith("HEAD /org/tiny-opt/resolve/main/model.safetensors"), log.toString());
        assertTrue(log.get(3).startsWith("GET /cdn/"), log.toString());
    }

    @Test
    void downloadModelGivesALoadableFolderFromOneCommit() {
        Path dir = client(hub, cache, null, false).downloadModel(BASE, null);
        assertTrue(Files.isRegularFile(dir.resolve("config.json")));
        assertArrayEquals(bytes(tinyOpt().resolve("model.safetensors")), bytes(dir.resolve("model.safetensors")));
        assertFalse(Files.exists(dir.resolve("generation_config.json")), "only what loading needs");
        Path adapter = client(hub, cache, null, false).downloadAdapter(ADAPTER, null);
        assertArrayEquals(
                bytes(tinyOpt().resolve("lora/adapter_model.safetensors")),
                bytes(adapter.resolve("adapter_model.safetensors")));
    }

    @Test
    void warmCacheOnlineOnlyAsksForTheCommit() {
        client(hub, cache, null, false).downloadModel(BASE, null);
        hub.resetCounts();
        Path dir = client(hub, cache, null, false).downloadModel(BASE, null);
        // One HEAD resolves "main"; the weights are then looked up by commit hash, without a request.
        assertEquals(List.of("HEAD /org/tiny-opt/resolve/main/config.json"), hub.log());
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")));
    }

    @Test
    void warmCacheOfflineSendsNoRequest() {
        Path online = client(hub, cache, null, false).downloadModel(BASE, null);
        hub.resetCounts();
        Path offline = client(hub, cache, null, true).downloadModel(BASE, null);
        assertEquals(online, offline);
        assertEquals(0, hub.requestCount(), hub.log().toString());
        assertArrayEquals(bytes(tinyOpt().resolve("model.safetensors")), bytes(offline.resolve("model.safetensors")));
    }

    @Test
    void coldCacheOfflineSaysWhatToDo() {
        HubOfflineException e = assertThrows(
                HubOfflineException.class, () -> client(hub, cache, null, true).downloadModel(BASE, null));
        assertEquals(0, hub.requestCount());
        assertTrue(e.getMessage().contains("offline mode is on (HF_HUB_OFFLINE)"), e.getMessage());
        assertTrue(
                e.getMessage().contains("config.json of org/tiny-opt at revision 'main' is not in the cache"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Download it once while online"), e.getMessage());
    }

    @Test
    void unreachableHubFallsBackToTheCache() {
        client(hub, cache, null, false).downloadModel(BASE, null);
        String url = hub.url();
        hub.close();
        HubClient down = HubClient.builder()
                .environment(Map.of("HF_HOME", cache.resolve("h").toString()))
                .endpoint(url)
                .cacheDir(cache)
                .token(null)
                .offline(false)
                .build();
        Path dir = down.downloadModel(BASE, null);
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")));
        HubOfflineException e = assertThrows(HubOfflineException.class, () -> down.downloadAdapter(ADAPTER, null));
        assertTrue(e.getMessage().contains("cannot be reached"), e.getMessage());
    }

    @Test
    void revisionPinningBranchVersusCommitHash() throws IOException {
        HubClient c = client(hub, cache, null, false);
        String v1 = baseCommit;
        byte[] newConfig = "{\"model_type\": \"opt\", \"edited\": true}".getBytes(StandardCharsets.UTF_8);
        String v2 = hub.commit(BASE, "main", Map.of("config.json", newConfig));
        String dev = hub.commit(BASE, "dev", Map.of("config.json", "{\"dev\": 1}".getBytes(StandardCharsets.UTF_8)));
        assertNotEquals(v1, v2);

        assertArrayEquals(newConfig, bytes(c.hfHubDownload(BASE, "config.json", "main")));
        assertArrayEquals(bytes(tinyOpt().resolve("config.json")), bytes(c.hfHubDownload(BASE, "config.json", v1)));
        assertEquals("{\"dev\": 1}", Files.readString(c.hfHubDownload(BASE, "config.json", "dev")));

        Path repo = c.cache().repoDir(RepoId.parse(BASE));
        assertEquals(v2, Files.readString(repo.resolve("refs/main")));
        assertEquals(dev, Files.readString(repo.resolve("refs/dev")));
        assertFalse(Files.exists(repo.resolve("refs/" + v1)), "a commit hash gets no ref");

        // A cached commit hash is answered without any request, even online.
        hub.resetCounts();
        assertArrayEquals(bytes(tinyOpt().resolve("config.json")), bytes(c.hfHubDownload(BASE, "config.json", v1)));
        assertEquals(0, hub.requestCount(), hub.log().toString());

        HubException bad =
                assertThrows(HubException.class, () -> c.hfHubDownload(BASE, "config.json", "no-such-branch"));
        assertEquals(404, bad.statusCode());
        assertTrue(bad.getMessage().contains("No such branch, tag or commit"), bad.getMessage());
    }

    @Test
    void interruptedDownloadIsResumedWithRange() {
        hub.cutNextDownloadAfter = 10_000;
        Path weights = client(hub, cache, null, false).hfHubDownload(BASE, "model.safetensors", null);
        assertArrayEquals(bytes(tinyOpt().resolve("model.safetensors")), bytes(weights));
        List<String> cdn =
                hub.log().stream().filter(l -> l.startsWith("GET /cdn/")).toList();
        assertEquals(2, cdn.size(), hub.log().toString());
        assertFalse(cdn.get(0).contains("bytes="), cdn.toString());
        assertTrue(cdn.get(1).endsWith(" bytes=10000-"), cdn.toString());
    }

    @Test
    void aPartialFileLeftByAnEarlierRunIsResumed() throws IOException {
        HubClient once = HubClient.builder()
                .environment(Map.of("HF_HOME", cache.resolve("h").toString()))
                .endpoint(hub.url())
                .cacheDir(cache)
                .token(null)
                .offline(false)
                .maxAttempts(1)
                .build();
        hub.cutNextDownloadAfter = 12_345;
        HubException e = assertThrows(HubException.class, () -> once.hfHubDownload(BASE, "model.safetensors", null));
        assertTrue(e.getMessage().contains("the next try resumes it"), e.getMessage());
        String sha = FakeHub.hex("SHA-256", bytes(tinyOpt().resolve("model.safetensors")));
        Path incomplete = once.cache().incompleteBlob(RepoId.parse(BASE), sha);
        assertEquals(12_345, Files.size(incomplete));

        hub.resetCounts();
        Path weights = once.hfHubDownload(BASE, "model.safetensors", null);
        assertArrayEquals(bytes(tinyOpt().resolve("model.safetensors")), bytes(weights));
        assertTrue(hub.log().get(1).endsWith(" bytes=12345-"), hub.log().toString());
        assertFalse(Files.exists(incomplete));
    }

    @Test
    void aCorruptedDownloadIsDetectedAndNotKept() throws IOException {
        HubClient c = client(hub, cache, null, false);
        hub.corruptNextDownload = true;
        HubException e = assertThrows(HubException.class, () -> c.hfHubDownload(BASE, "model.safetensors", null));
        assertTrue(e.getMessage().contains("checksum mismatch for org/tiny-opt/model.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("please retry"), e.getMessage());
        Path blobs = c.cache().repoDir(RepoId.parse(BASE)).resolve("blobs");
        try (Stream<Path> left = Files.list(blobs)) {
            assertEquals(List.of(), left.toList(), "neither the blob nor its .incomplete is kept");
        }
        assertFalse(Files.exists(c.cache().snapshotFile(RepoId.parse(BASE), baseCommit, "model.safetensors")));
        // The next try downloads a good copy.
        assertArrayEquals(
                bytes(tinyOpt().resolve("model.safetensors")), bytes(c.hfHubDownload(BASE, "model.safetensors", null)));
    }

    @Test
    void concurrentDownloadsOfOneBlobWriteItOnce() throws Exception {
        HubClient c = client(hub, cache, null, false);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Path>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> c.hfHubDownload(BASE, "model.safetensors", null)));
            }
            for (var r : results) {
                assertArrayEquals(bytes(tinyOpt().resolve("model.safetensors")), bytes(r.get()));
            }
        } finally {
            pool.shutdownNow();
        }
        // The lock makes the others wait and then find the finished blob.
        assertEquals(
                1,
                hub.log().stream().filter(l -> l.startsWith("GET /cdn/")).count(),
                hub.log().toString());
    }

    @Test
    void aPickleOnlyModelIsRefusedWithoutDownloadingThePickle() {
        hub.commit(
                "org/pickled",
                "main",
                Map.of("config.json", "{}".getBytes(StandardCharsets.UTF_8), "pytorch_model.bin", new byte[] {
                    (byte) 0x80, 2, 'c', 'o', 's'
                }));
        hub.resetCounts();
        HubException e = assertThrows(
                HubException.class, () -> client(hub, cache, null, false).downloadModel("org/pickled", null));
        assertTrue(e.getMessage().contains("has no safetensors weights"), e.getMessage());
        assertTrue(e.getMessage().contains("only pytorch_model.bin, a PyTorch pickle"), e.getMessage());
        assertTrue(e.getMessage().contains("save_pretrained(\"out\", safe_serialization=True)"), e.getMessage());
        assertTrue(
                hub.log().stream().noneMatch(l -> l.startsWith("GET") && (l.contains(".bin") || l.contains("/cdn/"))),
                hub.log().toString());
    }

    @Test
    void aPickleOnlyAdapterIsRefused() {
        hub.commit(
                "org/pickled-lora",
                "main",
                Map.of("adapter_config.json", "{}".getBytes(StandardCharsets.UTF_8), "adapter_model.bin", new byte[] {
                    (byte) 0x80, 2
                }));
        HubException e = assertThrows(
                HubException.class, () -> client(hub, cache, null, false).downloadAdapter("org/pickled-lora", null));
        assertTrue(e.getMessage().contains("only adapter_model.bin, a PyTorch pickle"), e.getMessage());
    }

    @Test
    void aModelWithoutAnyWeightsSaysSo() {
        hub.commit("org/empty", "main", Map.of("config.json", "{}".getBytes(StandardCharsets.UTF_8)));
        HubException e = assertThrows(HubEntryNotFoundException.class, () -> client(hub, cache, null, false)
                .downloadModel("org/empty", null));
        assertTrue(e.getMessage().contains("has no model.safetensors or model.safetensors.index.json"), e.getMessage());
    }

    @Test
    void shardedCheckpointsBringTheirShards() {
        String index = "{\"metadata\": {\"total_size\": 8}, \"weight_map\": {"
                + "\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\","
                + " \"c\": \"model-00001-of-00002.safetensors\"}}";
        hub.commit(
                "org/sharded",
                "main",
                Map.of(
                        "config.json",
                        "{}".getBytes(StandardCharsets.UTF_8),
                        "model.safetensors.index.json",
                        index.getBytes(StandardCharsets.UTF_8),
                        "model-00001-of-00002.safetensors",
                        new byte[] {1, 2, 3},
                        "model-00002-of-00002.safetensors",
                        new byte[] {4, 5}));
        HubClient c = client(hub, cache, null, false);
        Path dir = c.downloadModel("org/sharded", null);
        assertArrayEquals(new byte[] {1, 2, 3}, bytes(dir.resolve("model-00001-of-00002.safetensors")));
        assertArrayEquals(new byte[] {4, 5}, bytes(dir.resolve("model-00002-of-00002.safetensors")));
        // The 404 on model.safetensors is remembered, so offline loading finds the shards too.
        hub.resetCounts();
        assertEquals(dir, client(hub, cache, null, true).downloadModel("org/sharded", null));
        assertEquals(0, hub.requestCount());
        assertTrue(Files.exists(c.cache()
                .repoDir(RepoId.parse("org/sharded"))
                .resolve(".no_exist")
                .resolve(dir.getFileName())
                .resolve("model.safetensors")));
    }

    @Test
    void tokenizerFilesOnRequest() {
        hub.commit(
                BASE,
                "main",
                Map.of(
                        "tokenizer.json",
                        "{\"model\": {}}".getBytes(StandardCharsets.UTF_8),
                        "vocab.json",
                        "{}".getBytes(StandardCharsets.UTF_8)));
        Path dir = client(hub, cache, null, false).downloadTokenizer(BASE, null);
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")));
        assertTrue(Files.isRegularFile(dir.resolve("vocab.json")));
        assertFalse(Files.exists(dir.resolve("merges.txt")));
    }

    @Test
    void snapshotDownloadTakesAllFilesFromOneCommit() {
        Path dir = client(hub, cache, null, false)
                .snapshotDownload(BASE, null, List.of("config.json", "generation_config.json"));
        assertEquals(baseCommit, dir.getFileName().toString());
        assertArrayEquals(
                bytes(tinyOpt().resolve("generation_config.json")), bytes(dir.resolve("generation_config.json")));
    }

    @Test
    void privateRepoNeedsAToken() {
        hub.setPrivate(BASE, true);
        HubException e = assertThrows(
                HubException.class, () -> client(hub, cache, null, false).hfHubDownload(BASE, "config.json", null));
        assertEquals(401, e.statusCode());
        assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());
        assertTrue(e.getMessage().contains("the repo is private or does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("Set HF_TOKEN"), e.getMessage());
        Path config = client(hub, cache, FakeHub.READ_TOKEN, false).hfHubDownload(BASE, "config.json", null);
        assertArrayEquals(bytes(tinyOpt().resolve("config.json")), bytes(config));
    }

    @Test
    void missingRepoAndMissingFileAre404WithDifferentAdvice() {
        HubClient c = client(hub, cache, null, false);
        HubException repo = assertThrows(HubException.class, () -> c.hfHubDownload("org/nope", "config.json", null));
        assertEquals(404, repo.statusCode());
        assertTrue(repo.getMessage().contains("Repository 'org/nope' not found on " + hub.url()), repo.getMessage());
        HubEntryNotFoundException file =
                assertThrows(HubEntryNotFoundException.class, () -> c.hfHubDownload(BASE, "nope.json", null));
        assertTrue(file.getMessage().contains("The repo has no such file at that revision"), file.getMessage());
        assertEquals(baseCommit, file.commit());
    }

    @Test
    void invalidRepoIdsAndFileNamesAreRefusedBeforeAnyRequest() {
        HubClient c = client(hub, cache, null, false);
        IllegalArgumentException id =
                assertThrows(IllegalArgumentException.class, () -> c.hfHubDownload("a/b/c", "config.json", null));
        assertTrue(id.getMessage().contains("not a valid Hub repo id"), id.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.hfHubDownload(BASE, "../../etc/passwd", null));
        assertEquals(0, hub.requestCount());
    }
}
