package ai.peft4j.io.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Downloads from and uploads to the Hugging Face Hub, with the cache shared with Python's {@code
 * huggingface_hub} (see {@link HubCache} for the layout).
 *
 * <pre>{@code
 * HubClient hub = HubClient.getDefault();            // settings from HF_* variables
 * Path cfg = hub.hfHubDownload("facebook/opt-125m", "config.json", "main");
 * Path model = hub.downloadModel("facebook/opt-125m", null);        // snapshot folder
 * Path adapter = hub.downloadAdapter("me/opt-lora", null);
 *
 * HubClient test = HubClient.builder().endpoint("http://127.0.0.1:8080").cacheDir(tmp)
 *     .token("hf_xxx").build();                    // nothing read from the real environment
 * HubClient.setDefault(test);                       // what fromPretrained("org/name") uses
 * }</pre>
 *
 * <p>A download first asks the Hub ({@code HEAD}) which commit and blob a file is at, then
 * reuses the cached blob or downloads it. A commit-hash revision that is cached needs no request
 * at all; offline mode ({@code HF_HUB_OFFLINE=1}) or an unreachable Hub answers from the cache.
 */
public final class HubClient {

    /** The branch used when no revision is given. */
    public static final String DEFAULT_REVISION = "main";

    private static volatile HubClient defaultInstance;

    private final HubSettings settings;
    private final HubCache cache;
    private final HubHttp http;
    private final BlobDownloader downloader;

    private HubClient(HubSettings settings, Duration timeout, int maxAttempts, long progressThreshold) {
        this.settings = settings;
        this.cache = new HubCache(settings.cacheDir());
        this.http = new HubHttp(settings, timeout);
        this.downloader = new BlobDownloader(http, maxAttempts, progressThreshold);
    }

    // --- instances ---

    /** The client {@code fromPretrained(String)} uses: the one set, else one from the environment. */
    public static HubClient getDefault() {
        HubClient c = defaultInstance;
        if (c == null) {
            synchronized (HubClient.class) {
                if (defaultInstance == null) {
                    defaultInstance = builder().build();
                }
                c = defaultInstance;
            }
        }
        return c;
    }

    /** A client with these settings that never touches the network: cache hits only. */
    public HubClient offlineCopy() {
        return builder()
                .endpoint(settings.endpoint())
                .token(settings.token())
                .cacheDir(settings.cacheDir())
                .offline(true)
                .build();
    }

    /** Replaces the default client (e.g. in tests); null goes back to the environment's. */
    public static void setDefault(HubClient client) {
        defaultInstance = client;
    }

    /** A builder whose unset values come from the environment, as {@link HubSettings} reads it. */
    public static Builder builder() {
        return new Builder();
    }

    public HubSettings settings() {
        return settings;
    }

    public HubCache cache() {
        return cache;
    }

    // --- downloads ---

    /**
     * The local path of {@code filename} at {@code revision} (null for "main"), downloaded into the
     * cache if needed: {@code huggingface_hub.hf_hub_download}. The path is inside {@code
     * snapshots/<commit>/}.
     *
     * @throws HubEntryNotFoundException the repo has no such file at that revision
     * @throws HubOfflineException offline or unreachable, and the file is not cached
     * @throws HubException any other refusal, with what to do about it
     */
    public Path hfHubDownload(String repoId, String filename, String revision) {
        return resolve(RepoId.parse(repoId), orMain(revision), filename).path();
    }

    /**
     * Downloads {@code filenames} from one commit and returns its snapshot folder. The revision is
     * resolved once, with the first file, so all files come from the same commit even if the
     * branch moves meanwhile.
     */
    public Path snapshotDownload(String repoId, String revision, List<String> filenames) {
        if (filenames.isEmpty()) {
            throw new IllegalArgumentException("name at least one file to download from " + repoId);
        }
        RepoId repo = RepoId.parse(repoId);
        String commit = resolve(repo, orMain(revision), filenames.get(0)).commit();
        for (String f : filenames.subList(1, filenames.size())) {
            resolve(repo, commit, f);
        }
        return cache.snapshotDir(repo, commit);
    }

    /**
     * A model folder ({@code config.json} and its safetensors weights, single or sharded) in the
     * cache; a repo with only pickled {@code *.bin} weights is refused with a conversion hint.
     */
    public Path downloadModel(String repoId, String revision) {
        return PretrainedFiles.model(this, RepoId.parse(repoId), orMain(revision));
    }

    /** An adapter folder: {@code adapter_config.json} and {@code adapter_model.safetensors}. */
    public Path downloadAdapter(String repoId, String revision) {
        return PretrainedFiles.adapter(this, RepoId.parse(repoId), orMain(revision));
    }

    /** The tokenizer files the repo has ({@code tokenizer.json}, {@code vocab.json}, ...). */
    public Path downloadTokenizer(String repoId, String revision) {
        return PretrainedFiles.tokenizer(this, RepoId.parse(repoId), orMain(revision));
    }

    /** Asks the Hub about a file without downloading it. */
    public FileMetadata getFileMetadata(String repoId, String filename, String revision) {
        RepoId repo = RepoId.parse(repoId);
        requireOnline("look up " + filename + " in " + repo);
        try {
            return http.head(repo, orMain(revision), filename);
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    // --- local folder or repo id ---

    /** {@code nameOrPath} itself if it is a local folder, else {@link #downloadModel} of it. */
    public Path modelDir(String nameOrPath) {
        return localDir(nameOrPath).orElseGet(() -> downloadModel(asRepoId(nameOrPath), null));
    }

    /** {@code nameOrPath} itself if it is a local folder, else {@link #downloadAdapter} of it. */
    public Path adapterDir(String nameOrPath) {
        return localDir(nameOrPath).orElseGet(() -> downloadAdapter(asRepoId(nameOrPath), null));
    }

    /** A local folder as is, else the snapshot folder holding {@code filenames} of that repo. */
    public Path filesDir(String nameOrPath, List<String> filenames) {
        return localDir(nameOrPath).orElseGet(() -> snapshotDownload(asRepoId(nameOrPath), null, filenames));
    }

    /** True when {@code nameOrPath} names an existing local folder rather than a repo id. */
    public static boolean isLocalDir(String nameOrPath) {
        return localDir(nameOrPath).isPresent();
    }

    private static Optional<Path> localDir(String nameOrPath) {
        if (nameOrPath == null || nameOrPath.isBlank()) {
            throw new IllegalArgumentException(
                    "give a local folder or a Hub repo id ('org/name'), not an empty string");
        }
        try {
            Path p = Path.of(nameOrPath);
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    private static String asRepoId(String nameOrPath) {
        if (!RepoId.isValid(nameOrPath)) {
            throw new IllegalArgumentException("'" + nameOrPath + "' is neither a local folder nor a Hub"
                    + " repo id ('org/name'); check the path (relative to "
                    + Path.of("").toAbsolutePath() + ")");
        }
        return nameOrPath;
    }

    // --- uploads ---

    /**
     * Creates a model repo, {@code huggingface_hub.create_repo}; returns its URL. With {@code
     * existOk}, a repo that already exists (HTTP 409) is fine.
     */
    public String createRepo(String repoId, boolean isPrivate, boolean existOk) {
        requireToken("create " + repoId);
        requireOnline("create " + repoId);
        return new RepoCreator(http).create(RepoId.parse(repoId), isPrivate, existOk);
    }

    /** Uploads files (path in repo to local file) in one commit on {@code revision} (null: main). */
    public CommitInfo uploadFiles(String repoId, Map<String, Path> files, String commitMessage, String revision) {
        RepoId repo = RepoId.parse(repoId);
        requireToken("upload to " + repo);
        requireOnline("upload to " + repo);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("nothing to upload to " + repo);
        }
        try {
            return new CommitUploader(http).commit(repo, orMain(revision), files, commitMessage);
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    /** Uploads every regular file under {@code folder}, paths relative to it, in one commit. */
    public CommitInfo uploadFolder(String repoId, Path folder, String commitMessage) {
        Map<String, Path> files = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            walk.filter(Files::isRegularFile)
                    .sorted(Comparator.naturalOrder())
                    .forEach(f -> files.put(folder.relativize(f).toString().replace('\\', '/'), f));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
        return uploadFiles(repoId, files, commitMessage, null);
    }

    /** Creates the repo if needed, then uploads {@code folder}: PEFT's {@code push_to_hub}. */
    public CommitInfo pushToHub(String repoId, Path folder, String commitMessage, boolean isPrivate) {
        createRepo(repoId, isPrivate, true);
        return uploadFolder(repoId, folder, commitMessage);
    }

    /** Writes files into a fresh temporary folder for {@link #pushToHub(String, FolderWriter, String, boolean)}. */
    @FunctionalInterface
    public interface FolderWriter {
        void writeTo(Path folder) throws IOException;
    }

    /**
     * Lets {@code writer} fill a temporary folder, pushes it, and deletes it: what {@code
     * PeftModel.pushToHub} and {@code PeftConfig.pushToHub} use.
     */
    public CommitInfo pushToHub(String repoId, FolderWriter writer, String commitMessage, boolean isPrivate) {
        requireToken("push to " + repoId);
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("peft4j-push-");
            writer.writeTo(tmp);
            return pushToHub(repoId, tmp, commitMessage, isPrivate);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the files to push to " + repoId, e);
        } finally {
            deleteTree(tmp);
        }
    }

    // --- internals ---

    /** Where a file of a repo resolved to. */
    record Resolved(String commit, Path path) {}

    Resolved resolve(RepoId repo, String revision, String filename) {
        HubCache.checkFilename(filename);
        if (HubCache.isCommitHash(revision)) {
            Path pointer = cache.snapshotFile(repo, revision, filename);
            if (Files.isRegularFile(pointer)) {
                return new Resolved(revision, pointer); // a commit never changes: no request needed
            }
            if (cache.isKnownMissing(repo, revision, filename)) {
                throw notFound(repo, revision, filename);
            }
        }
        if (settings.offline()) {
            return fromCache(repo, revision, filename, "offline mode is on (HF_HUB_OFFLINE)", null);
        }
        FileMetadata meta;
        try {
            meta = http.head(repo, revision, filename);
        } catch (HubEntryNotFoundException e) {
            if (e.commit() != null) {
                cache.writeRef(repo, revision, e.commit());
                cache.markMissing(repo, e.commit(), filename);
            }
            throw e;
        } catch (IOException e) {
            return fromCache(
                    repo,
                    revision,
                    filename,
                    "the Hub at " + settings.endpoint() + " cannot be reached (" + e + ")",
                    e);
        } catch (HubException e) {
            if (e.statusCode() < 500) {
                throw e;
            }
            // The Hub is down: a cached copy is better than nothing, as in Python.
            return fromCache(repo, revision, filename, e.getMessage(), e);
        }
        cache.writeRef(repo, revision, meta.commit());
        Path pointer = cache.snapshotFile(repo, meta.commit(), filename);
        if (Files.isRegularFile(pointer)) {
            return new Resolved(meta.commit(), pointer);
        }
        Path blob = cache.blob(repo, meta.etag());
        try {
            if (!Files.isRegularFile(blob)) {
                downloader.download(
                        meta,
                        blob,
                        cache.incompleteBlob(repo, meta.etag()),
                        cache.lockFile(repo, meta.etag()),
                        repo + "/" + filename);
            }
        } catch (IOException e) {
            throw new HubException(
                    "downloading " + filename + " from " + repo + " failed (" + e + ");"
                            + " the partial file is kept and the next try resumes it",
                    e);
        }
        cache.link(blob, pointer);
        return new Resolved(meta.commit(), pointer);
    }

    /** Tells whether a file exists, by {@code HEAD} only; null when it cannot be known offline. */
    Boolean exists(RepoId repo, String revision, String filename) {
        if (settings.offline()) {
            return null;
        }
        try {
            http.head(repo, revision, filename);
            return true;
        } catch (HubEntryNotFoundException e) {
            return false;
        } catch (IOException | HubException e) {
            return null;
        }
    }

    private Resolved fromCache(RepoId repo, String revision, String filename, String why, Throwable cause) {
        Optional<String> commit = cache.commitFor(repo, revision);
        if (commit.isPresent()) {
            Path pointer = cache.snapshotFile(repo, commit.get(), filename);
            if (Files.isRegularFile(pointer)) {
                return new Resolved(commit.get(), pointer);
            }
            if (cache.isKnownMissing(repo, commit.get(), filename)) {
                throw notFound(repo, revision, filename);
            }
        }
        throw new HubOfflineException(
                why + ", and " + filename + " of " + repo + " at revision '"
                        + revision + "' is not in the cache " + cache.root() + ". Download it once while online"
                        + " (unset HF_HUB_OFFLINE), or pass a local folder instead of a repo id",
                cause);
    }

    private static HubEntryNotFoundException notFound(RepoId repo, String revision, String filename) {
        return new HubEntryNotFoundException(
                repo + " has no " + filename + " at revision '" + revision + "' (known from the cache)",
                HubCache.isCommitHash(revision) ? revision : null);
    }

    private HubException unreachable(IOException e) {
        return new HubException(
                "the Hub at " + settings.endpoint() + " cannot be reached (" + e
                        + "); check your connection or HF_ENDPOINT",
                e);
    }

    private void requireOnline(String action) {
        if (settings.offline()) {
            throw new HubOfflineException(
                    "cannot " + action + ": offline mode is on (HF_HUB_OFFLINE);" + " unset it to talk to "
                            + settings.endpoint(),
                    null);
        }
    }

    private void requireToken(String action) {
        if (settings.token() == null) {
            throw new HubException("cannot " + action + " without a token: create one with write access"
                    + " at " + settings.endpoint() + "/settings/tokens, then set HF_TOKEN, run"
                    + " `huggingface-cli login`, or pass HubClient.builder().token(...)");
        }
    }

    private static String orMain(String revision) {
        return revision == null || revision.isBlank() ? DEFAULT_REVISION : revision;
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temp folder is harmless; the push result matters more.
        }
    }

    /**
     * Settings for a {@link HubClient}; whatever is not set comes from the environment.
     *
     * <pre>{@code
     * HubClient hub = HubClient.builder()
     *     .environment(Map.of())                // ignore the real HF_* variables
     *     .endpoint("http://127.0.0.1:" + port).cacheDir(tmp).offline(false)
     *     .build();
     * }</pre>
     */
    public static final class Builder {
        private Function<String, String> environment = System::getenv;
        /** The explicit settings, applied over what the environment says. */
        private UnaryOperator<HubSettings> overrides = UnaryOperator.identity();

        private Duration timeout = Duration.ofSeconds(30);
        private int maxAttempts = 5;
        private long progressThreshold = 10L << 20;

        private Builder() {}

        /** Reads HF_* from this map instead of the process environment (system properties still win). */
        public Builder environment(Map<String, String> env) {
            Map<String, String> copy = Map.copyOf(env);
            this.environment = copy::get;
            return this;
        }

        public Builder endpoint(String value) {
            return override(s -> s.withEndpoint(value));
        }

        /** The access token; null means anonymous even if HF_TOKEN is set. */
        public Builder token(String value) {
            return override(s -> s.withToken(value));
        }

        public Builder cacheDir(Path value) {
            return override(s -> s.withCacheDir(value));
        }

        public Builder offline(boolean value) {
            return override(s -> s.withOffline(value));
        }

        private Builder override(UnaryOperator<HubSettings> setting) {
            UnaryOperator<HubSettings> before = overrides;
            overrides = s -> setting.apply(before.apply(s));
            return this;
        }

        /** Connect and request timeout (default 30 s). */
        public Builder timeout(Duration value) {
            this.timeout = value;
            return this;
        }

        /** How many times a broken download is resumed before giving up (default 5). */
        public Builder maxAttempts(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, got " + value);
            }
            this.maxAttempts = value;
            return this;
        }

        /** Files larger than this many bytes show a progress bar on stderr (default 10 MiB). */
        public Builder progressThreshold(long bytes) {
            this.progressThreshold = bytes;
            return this;
        }

        public HubClient build() {
            HubSettings s = overrides.apply(HubSettings.fromEnvironment(environment));
            return new HubClient(s, timeout, maxAttempts, progressThreshold);
        }
    }
}
