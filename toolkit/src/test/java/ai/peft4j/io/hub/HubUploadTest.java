package ai.peft4j.io.hub;

import static ai.peft4j.io.hub.HubTestSupport.bytes;
import static ai.peft4j.io.hub.HubTestSupport.client;
import static ai.peft4j.io.hub.HubTestSupport.tinyOpt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubUploadTest {

    @TempDir
    Path tmp;

    FakeHub hub;
    Path adapterDir;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        adapterDir = Files.createDirectories(tmp.resolve("adapter"));
        for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
            Files.copy(tinyOpt().resolve("lora").resolve(f), adapterDir.resolve(f));
        }
        Files.writeString(
                adapterDir.resolve("README.md"),
                ModelCard.forAdapter("me/pushed", "facebook/opt-125m", "LORA", "CAUSAL_LM"));
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    @Test
    void pushThenDownloadGivesTheSameBytes() {
        HubClient writer = client(hub, tmp.resolve("cache-w"), FakeHub.WRITE_TOKEN, false);
        CommitInfo commit = writer.pushToHub("me/pushed", adapterDir, "Upload adapter", false);
        assertEquals(hub.url() + "/me/pushed/commit/" + commit.commitOid(), commit.commitUrl());

        List<String> log = hub.log();
        assertTrue(log.get(0).startsWith("POST /api/repos/create"), log.toString());
        assertTrue(log.get(1).startsWith("POST /api/models/me/pushed/preupload/main"), log.toString());
        assertTrue(log.get(2).startsWith("POST /me/pushed.git/info/lfs/objects/batch"), log.toString());
        assertTrue(log.get(3).startsWith("PUT /lfs-upload/"), log.toString());
        assertTrue(log.get(4).startsWith("POST /lfs-verify"), log.toString());
        assertTrue(log.get(5).startsWith("POST /api/models/me/pushed/commit/main"), log.toString());

        HubClient reader = client(hub, tmp.resolve("cache-r"), null, false);
        Path dir = reader.downloadAdapter("me/pushed", null);
        assertEquals(commit.commitOid(), dir.getFileName().toString());
        for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
            assertArrayEquals(bytes(adapterDir.resolve(f)), bytes(dir.resolve(f)), f);
        }
        String card = new String(hub.files("me/pushed", "main").get("README.md"));
        assertTrue(card.startsWith("---\nbase_model: facebook/opt-125m\nlibrary_name: peft\n"), card);
    }

    @Test
    void pushingTheSameWeightsAgainSkipsTheLfsUpload() {
        HubClient writer = client(hub, tmp.resolve("cache"), FakeHub.WRITE_TOKEN, false);
        writer.pushToHub("me/pushed", adapterDir, "first", false);
        hub.resetCounts();
        writer.pushToHub("me/pushed", adapterDir, "second", false);
        assertTrue(
                hub.log().stream().noneMatch(l -> l.startsWith("PUT")),
                hub.log().toString());
        assertTrue(hub.log().get(0).startsWith("POST /api/repos/create"), "409 exists is fine");
    }

    @Test
    void pushWithAWriterFillsATemporaryFolder() {
        HubClient writer = client(hub, tmp.resolve("cache"), FakeHub.WRITE_TOKEN, false);
        writer.pushToHub("me/written", folder -> Files.writeString(folder.resolve("notes.txt"), "hi"), "notes", true);
        assertEquals("hi", new String(hub.files("me/written", "main").get("notes.txt")));
    }

    @Test
    void noTokenIsAClearErrorBeforeAnyRequest() {
        HubException e = assertThrows(HubException.class, () -> client(hub, tmp.resolve("c"), null, false)
                .pushToHub("me/pushed", adapterDir, "x", false));
        assertTrue(
                e.getMessage()
                        .startsWith("cannot create me/pushed without a token: create one with write access at "
                                + hub.url() + "/settings/tokens, then set HF_TOKEN"),
                e.getMessage());
        assertEquals(0, hub.requestCount());
    }

    @Test
    void anInvalidTokenIs401() {
        HubException e = assertThrows(HubException.class, () -> client(hub, tmp.resolve("c"), "hf_wrong", false)
                .pushToHub("me/pushed", adapterDir, "x", false));
        assertEquals(401, e.statusCode());
        assertTrue(e.getMessage().contains("the token was rejected"), e.getMessage());
    }

    @Test
    void aReadOnlyTokenIs403WithAHint() {
        HubException e = assertThrows(HubException.class, () -> client(hub, tmp.resolve("c"), FakeHub.READ_TOKEN, false)
                .pushToHub("me/pushed", adapterDir, "x", false));
        assertEquals(403, e.statusCode());
        assertTrue(e.getMessage().contains("your token is read-only"), e.getMessage());
        assertTrue(e.getMessage().contains("use a token with write access"), e.getMessage());
    }

    @Test
    void creatingAnExistingRepoIs409UnlessExistOk() {
        HubClient c = client(hub, tmp.resolve("c"), FakeHub.WRITE_TOKEN, false);
        assertEquals(hub.url() + "/me/repo", c.createRepo("me/repo", false, false));
        assertEquals(hub.url() + "/me/repo", c.createRepo("me/repo", false, true));
        HubException e = assertThrows(HubException.class, () -> c.createRepo("me/repo", false, false));
        assertEquals(409, e.statusCode());
        assertTrue(e.getMessage().contains("it already exists (HTTP 409)"), e.getMessage());
    }

    @Test
    void uploadingToAMissingRepoIs404() {
        HubClient c = client(hub, tmp.resolve("c"), FakeHub.WRITE_TOKEN, false);
        HubException e = assertThrows(HubException.class, () -> c.uploadFolder("me/never-created", adapterDir, "x"));
        assertEquals(404, e.statusCode());
        assertTrue(e.getMessage().contains("Repository 'me/never-created' not found"), e.getMessage());
    }

    @Test
    void privatePushesArePrivate() {
        HubClient c = client(hub, tmp.resolve("c"), FakeHub.WRITE_TOKEN, false);
        c.pushToHub("me/secret", adapterDir, "x", true);
        HubException e = assertThrows(HubException.class, () -> client(hub, tmp.resolve("anon"), null, false)
                .downloadAdapter("me/secret", null));
        assertEquals(401, e.statusCode());
        assertTrue(Files.isDirectory(c.downloadAdapter("me/secret", null)));
    }

    @Test
    void modelCardWithALocalBaseLeavesItOutOfTheMetadata() {
        String card = ModelCard.forAdapter("me/x", "/home/me/models/opt", "LORA", null);
        assertTrue(card.startsWith("---\nlibrary_name: peft\n"), card);
        assertTrue(card.contains("AutoPeftModelForCausalLM.from_pretrained(\"me/x\")"), card);
    }
}
