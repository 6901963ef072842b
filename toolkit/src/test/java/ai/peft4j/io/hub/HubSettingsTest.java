package ai.peft4j.io.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Settings read as huggingface_hub reads them, from a map standing in for the environment. */
class HubSettingsTest {

    @TempDir
    Path home;

    @Test
    void defaultsFollowHfHome() {
        HubSettings s = HubSettings.fromEnvironment(Map.of("HF_HOME", home.toString())::get);
        assertEquals("https://huggingface.co", s.endpoint());
        assertEquals(home.resolve("hub"), s.cacheDir());
        assertFalse(s.offline());
        assertNull(s.token());
    }

    @Test
    void everyVariableIsHonoured() throws IOException {
        Files.writeString(home.resolve("token"), "hf_from_file\n");
        Map<String, String> env = new HashMap<>();
        env.put("HF_HOME", home.toString());
        env.put("HF_ENDPOINT", "http://127.0.0.1:9/");
        env.put("HF_HUB_CACHE", home.resolve("elsewhere").toString());
        env.put("HF_HUB_OFFLINE", "1");
        HubSettings s = HubSettings.fromEnvironment(env::get);
        assertEquals("http://127.0.0.1:9", s.endpoint());
        assertEquals(home.resolve("elsewhere"), s.cacheDir());
        assertTrue(s.offline());
        assertEquals("hf_from_file", s.token(), "the token file written by huggingface-cli login");
        env.put("HF_TOKEN", "hf_from_env");
        assertEquals("hf_from_env", HubSettings.fromEnvironment(env::get).token(), "HF_TOKEN wins over the file");
        assertFalse(HubSettings.fromEnvironment(env::get).toString().contains("hf_from_env"), "tokens are not printed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "true", "TRUE", "yes", "on"})
    void offlineSpellings(String value) {
        assertTrue(HubSettings.fromEnvironment(Map.of("HF_HOME", home.toString(), "HF_HUB_OFFLINE", value)::get)
                .offline());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "false", "no", ""})
    void onlineSpellings(String value) {
        assertFalse(HubSettings.fromEnvironment(Map.of("HF_HOME", home.toString(), "HF_HUB_OFFLINE", value)::get)
                .offline());
    }

    @Test
    void theBuilderOverridesTheEnvironment() {
        HubClient c = HubClient.builder()
                .environment(Map.of("HF_HOME", home.toString(), "HF_TOKEN", "hf_env", "HF_HUB_OFFLINE", "1"))
                .token(null)
                .offline(false)
                .cacheDir(home.resolve("c"))
                .endpoint("http://127.0.0.1:1")
                .build();
        assertNull(c.settings().token());
        assertFalse(c.settings().offline());
        assertEquals(home.resolve("c").toAbsolutePath(), c.cache().root());
    }

    @Test
    void repoIdsFollowTheHubsRules() {
        assertEquals(
                "models--facebook--opt-125m", RepoId.parse("facebook/opt-125m").folderName());
        assertEquals("models--gpt2", RepoId.parse("gpt2").folderName());
        for (String bad : new String[] {"a/b/c", "a--b/c", "-a/b", "a/b.", "a b/c", "/x", "x/", "a/..b"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RepoId.parse(bad), bad);
            assertTrue(e.getMessage().contains("expected 'org/name' or 'name'"), e.getMessage());
        }
    }

    @Test
    void largeDownloadsShowAProgressBarOnStderr() throws IOException {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (FakeHub hub = new FakeHub()) {
            HubTestSupport.publishBase(hub, HubTestSupport.BASE);
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            HubClient c = HubClient.builder()
                    .environment(Map.of("HF_HOME", home.toString()))
                    .endpoint(hub.url())
                    .cacheDir(home.resolve("c"))
                    .token(null)
                    .offline(false)
                    .progressThreshold(1_000)
                    .build();
            c.hfHubDownload(HubTestSupport.BASE, "config.json", null); // 676 bytes: no bar
            assertEquals("", err.toString(StandardCharsets.UTF_8));
            c.hfHubDownload(HubTestSupport.BASE, "model.safetensors", null);
        } finally {
            System.setErr(original);
        }
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("org/tiny-opt/model.safetensors"), err.toString());
    }
}
