package ai.peft4j.io.hub;

import static ai.peft4j.io.hub.HubTestSupport.BASE;
import static ai.peft4j.io.hub.HubTestSupport.client;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A server that answers with hostile or broken values. Whatever it sends ends in a {@link HubException}
 * that names the repo and the value; nothing it sends gets into a ref file unchecked or names a path
 * outside the cache. The cache's files get the permissions the umask gives, as Python's do.
 */
class HubHostileServerTest {

    private static final String REPO_DIR = "models--org--tiny-opt";

    @TempDir
    Path work;

    Path cache;
    FakeHub hub;
    String baseCommit;

    @BeforeEach
    void start() throws IOException {
        cache = work.resolve("cache");
        hub = new FakeHub();
        baseCommit = HubTestSupport.publishBase(hub, BASE);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "../../../../escaped",
                "../../snapshots/x",
                "main",
                "0123456789abcdef0123456789abcdef0123456",
                "0123456789ABCDEF0123456789ABCDEF01234567",
                "0123456789abcdef0123456789abcdef01234567/.."
            })
    void aRepoCommitThatIsNoCommitHashNeverReachesTheCache(String bad) throws IOException {
        hub.resolveHeaderOverrides.put("X-Repo-Commit", bad);
        HubException e = assertThrows(
                HubException.class, () -> client(hub, cache, null, false).hfHubDownload(BASE, "config.json", null));
        assertTrue(e.getMessage().contains(BASE), e.getMessage());
        assertTrue(e.getMessage().contains("X-Repo-Commit '" + bad + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("not a commit hash"), e.getMessage());
        assertFalse(Files.exists(cache.resolve(REPO_DIR).resolve("refs")), "no ref was written");
        assertFalse(Files.exists(cache.resolve(REPO_DIR).resolve("snapshots")), "no snapshot was made");
        assertEquals(List.of(), pathsOutsideTheCache());
    }

    @Test
    void aFileNotFoundAnswerWithABadRepoCommitWritesNothing() throws IOException {
        hub.resolveHeaderOverrides.put("X-Repo-Commit", "../../../../escaped");
        HubException e = assertThrows(
                HubException.class, () -> client(hub, cache, null, false).hfHubDownload(BASE, "nope.json", null));
        assertFalse(e instanceof HubEntryNotFoundException, "no commit to remember the absence at");
        assertTrue(e.getMessage().contains(BASE), e.getMessage());
        assertTrue(e.getMessage().contains("X-Repo-Commit '../../../../escaped'"), e.getMessage());
        assertFalse(Files.exists(cache.resolve(REPO_DIR).resolve("refs")), "no ref was written");
        assertFalse(Files.exists(cache.resolve(REPO_DIR).resolve(".no_exist")), "no absence was recorded");
        assertEquals(List.of(), pathsOutsideTheCache());
    }

    @Test
    void aRefFileThatHoldsNoCommitHashIsReportedOfflineAndRepairedOnline() throws IOException {
        // The cache is shared: another program may have left anything in refs/main.
        Path ref = cache.resolve(REPO_DIR).resolve("refs").resolve("main");
        Files.createDirectories(ref.getParent());
        Files.writeString(ref, "../../../../escaped");

        HubException e = assertThrows(
                HubException.class, () -> client(hub, cache, null, true).hfHubDownload(BASE, "config.json", null));
        assertTrue(e.getMessage().contains(ref.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("'../../../../escaped', not a commit hash"), e.getMessage());
        assertTrue(e.getMessage().contains("delete that file"), e.getMessage());

        Path config = client(hub, cache, null, false).hfHubDownload(BASE, "config.json", null);
        assertEquals(
                cache.resolve(REPO_DIR).resolve("snapshots").resolve(baseCommit).resolve("config.json"), config);
        assertEquals(baseCommit, Files.readString(ref));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../escaped", "..", "a/b", ".hidden"})
    void anETagThatCannotNameABlobIsAHubException(String etag) throws IOException {
        hub.resolveHeaderOverrides.put("ETag", "\"" + etag + "\"");
        HubException e = assertThrows(
                HubException.class, () -> client(hub, cache, null, false).hfHubDownload(BASE, "config.json", null));
        assertTrue(e.getMessage().contains(BASE), e.getMessage());
        assertTrue(e.getMessage().contains("ETag '" + etag + "'"), e.getMessage());
        assertFalse(Files.exists(cache.resolve(REPO_DIR).resolve("blobs")), "nothing was downloaded");
        assertEquals(List.of(), pathsOutsideTheCache());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "file:///etc/passwd",
                "ftp://127.0.0.1/blob",
                "jar:file:/tmp/x.jar!/blob",
                "http:///no-host",
                "http://bad host/blob"
            })
    void aRedirectThatIsNoHttpUrlIsAHubException(String location) throws IOException {
        // model.safetensors is an LFS file: the Hub answers with a redirect to where its bytes are.
        hub.resolveHeaderOverrides.put("Location", location);
        HubException e = assertThrows(HubException.class, () -> client(hub, cache, null, false)
                .hfHubDownload(BASE, "model.safetensors", null));
        assertTrue(e.getMessage().contains(BASE), e.getMessage());
        assertTrue(e.getMessage().contains(location), e.getMessage());
        assertFalse(Files.exists(cache.resolve(REPO_DIR).resolve("blobs")), "nothing was downloaded");
        assertEquals(List.of(), pathsOutsideTheCache());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "model\u0000.safetensors",
                "../../../../escaped.safetensors",
                "/etc/passwd",
                "sub/../../escaped.safetensors",
                "..\\escaped.safetensors",
                ""
            })
    void aShardNameThatIsNoPlainFileNameIsAHubException(String shard) throws IOException {
        String index =
                new ObjectMapper().writeValueAsString(Map.of("metadata", Map.of(), "weight_map", Map.of("w", shard)));
        hub.commit(
                "org/evil",
                "main",
                Map.of(
                        "config.json", "{}".getBytes(StandardCharsets.UTF_8),
                        "model.safetensors.index.json", index.getBytes(StandardCharsets.UTF_8)));
        HubException e = assertThrows(
                HubException.class, () -> client(hub, cache, null, false).downloadModel("org/evil", null));
        assertTrue(e.getMessage().contains("model.safetensors.index.json of org/evil"), e.getMessage());
        assertTrue(e.getMessage().contains("not a plain file name"), e.getMessage());
        assertFalse(e.getMessage().contains("\u0000"), "the message shows a NUL escaped");
        try (Stream<Path> all = Files.walk(work)) {
            assertEquals(
                    List.of(),
                    all.filter(p -> p.getFileName().toString().contains("escaped"))
                            .toList());
        }
        assertEquals(List.of(), pathsOutsideTheCache());
    }

    @Test
    void everyFileAndFolderTheCacheWritesGetsTheUmaskPermissions() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        HubClient c = client(hub, cache, null, false);
        c.hfHubDownload(BASE, "config.json", null); // refs/main, a blob, a snapshot link, a lock
        c.hfHubDownload(BASE, "model.safetensors", null); // an LFS blob from the CDN
        assertThrows(HubEntryNotFoundException.class, () -> c.hfHubDownload(BASE, "nope.json", null)); // .no_exist

        // What this process's umask gives a plain new file and folder, in the same place.
        Path refs = cache.resolve(REPO_DIR).resolve("refs");
        Path probeFile = Files.createFile(refs.resolve("probe"));
        Path probeDir = Files.createDirectory(refs.resolve("probe-dir"));
        Set<PosixFilePermission> file = Files.getPosixFilePermissions(probeFile);
        Set<PosixFilePermission> dir = Files.getPosixFilePermissions(probeDir);
        Files.delete(probeFile);
        Files.delete(probeDir);

        assertEquals(
                PosixFilePermissions.toString(file),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(refs.resolve("main"))),
                "refs/main");
        try (Stream<Path> all = Files.walk(cache)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isSymbolicLink(p)) {
                    continue;
                }
                Set<PosixFilePermission> expected = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? dir : file;
                assertEquals(
                        PosixFilePermissions.toString(expected),
                        PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)),
                        cache.relativize(p).toString());
            }
        }
    }

    /** Everything under the test's folder that is not the cache or inside it. */
    private List<Path> pathsOutsideTheCache() throws IOException {
        try (Stream<Path> all = Files.walk(work)) {
            return all.filter(p -> !p.equals(work) && !p.startsWith(cache)).collect(Collectors.toList());
        }
    }
}
