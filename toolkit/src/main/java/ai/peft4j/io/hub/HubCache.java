package ai.peft4j.io.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The on-disk layout of {@code huggingface_hub}'s cache, so that Python and Java share files:
 *
 * <pre>
 * {cache}/models--org--name/blobs/{etag}                  the bytes, named by ETag
 * {cache}/models--org--name/blobs/{etag}.incomplete       a download in progress
 * {cache}/models--org--name/snapshots/{commit}/{file}     relative symlink to ../../blobs/{etag}
 * {cache}/models--org--name/refs/{revision}               the commit hash, no newline
 * {cache}/models--org--name/.no_exist/{commit}/{file}     empty: the file is known to be absent
 * {cache}/.locks/models--org--name/{etag}.lock            one writer per blob
 * </pre>
 *
 * <pre>{@code
 * HubCache cache = new HubCache(Path.of(System.getProperty("user.home"), ".cache/huggingface/hub"));
 * Optional<Path> config = cache.cachedFile(RepoId.parse("facebook/opt-125m"), "main", "config.json");
 * }</pre>
 */
public final class HubCache {

    private static final Pattern COMMIT_HASH = Pattern.compile("[0-9a-f]{40}");

    private final Path root;

    /** A view of the cache at {@code root}; nothing is created until something is written. */
    public HubCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** True for a full 40-character commit hash, which needs no lookup in {@code refs}. */
    public static boolean isCommitHash(String revision) {
        return revision != null && COMMIT_HASH.matcher(revision).matches();
    }

    public Path root() {
        return root;
    }

    public Path repoDir(RepoId repo) {
        return root.resolve(repo.folderName());
    }

    public Path blob(RepoId repo, String etag) {
        return repoDir(repo).resolve("blobs").resolve(checkName(etag, "ETag"));
    }

    public Path incompleteBlob(RepoId repo, String etag) {
        return repoDir(repo).resolve("blobs").resolve(checkName(etag, "ETag") + ".incomplete");
    }

    /** {@code snapshots/<commit>}; {@code commit} must be a full commit hash. */
    public Path snapshotDir(RepoId repo, String commit) {
        return repoDir(repo).resolve("snapshots").resolve(checkCommit(commit));
    }

    public Path snapshotFile(RepoId repo, String commit, String filename) {
        return inside(snapshotDir(repo, commit), filename);
    }

    public Path lockFile(RepoId repo, String etag) {
        return root.resolve(".locks").resolve(repo.folderName()).resolve(checkName(etag, "ETag") + ".lock");
    }

    private Path refFile(RepoId repo, String revision) {
        // A revision like "refs/pr/1" becomes nested folders, as in Python.
        return inside(repoDir(repo).resolve("refs"), revision);
    }

    private Path noExistFile(RepoId repo, String commit, String filename) {
        return inside(repoDir(repo).resolve(".no_exist").resolve(checkCommit(commit)), filename);
    }

    /**
     * The commit a branch or tag pointed to when last seen online; a commit hash is itself.
     *
     * @throws HubException the ref file holds something other than a commit hash (the cache is shared, so
     *     another program may have written it); deleting the file fixes it
     */
    public Optional<String> commitFor(RepoId repo, String revision) {
        if (isCommitHash(revision)) {
            return Optional.of(revision);
        }
        Path ref = refFile(repo, revision);
        String commit = readRef(ref);
        if (commit == null || commit.isEmpty()) {
            return Optional.empty();
        }
        if (!isCommitHash(commit)) {
            throw new HubException("the cache's ref file " + ref + " for " + repo + " holds '"
                    + HubErrors.printable(commit) + "', not a commit hash (40 lowercase hex characters); delete that"
                    + " file and download again");
        }
        return Optional.of(commit);
    }

    /**
     * Records that {@code revision} is at {@code commit}; nothing is written for a commit hash.
     *
     * @throws HubException {@code commit} is not a full commit hash: nothing else may go into a ref file,
     *     which Python's {@code huggingface_hub} also reads and turns into a snapshot path
     */
    public void writeRef(RepoId repo, String revision, String commit) {
        requireCommitHash(repo, commit, "the commit to record for revision '" + revision + "'");
        if (revision.equals(commit)) {
            return;
        }
        Path ref = refFile(repo, revision);
        if (commit.equals(readRef(ref))) {
            return;
        }
        try {
            Files.createDirectories(ref.getParent());
            Path tmp = newSibling(ref);
            try {
                Files.writeString(tmp, commit, StandardCharsets.UTF_8); // no newline, as Python writes it
                moveReplacing(tmp, ref);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + ref, e);
        }
    }

    /** The trimmed content of a ref file, or null when there is none. */
    private static String readRef(Path ref) {
        if (!Files.isRegularFile(ref)) {
            return null;
        }
        try {
            return Files.readString(ref, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ref, e);
        }
    }

    /**
     * {@code commit} when it is a full commit hash; else a HubException naming the repo, where the value came
     * from and the value. Commits come from the server's {@code X-Repo-Commit} header and end up in ref files
     * and snapshot paths, so anything else (a {@code ../} path, a branch name) is refused.
     */
    static String requireCommitHash(RepoId repo, String commit, String source) {
        if (!isCommitHash(commit)) {
            throw new HubException(source + " for " + repo + " is '" + HubErrors.printable(commit) + "', not a"
                    + " commit hash (40 lowercase hex characters), so nothing was written to the cache. Is HF_ENDPOINT a"
                    + " Hugging Face Hub (or a proxy that keeps its headers)?");
        }
        return commit;
    }

    /**
     * A new empty file next to {@code target}, for write-then-rename. Not {@code Files.createTempFile}: its
     * files are owner-only (0600), while a cache shared with Python or other users needs the usual
     * umask-derived permissions.
     */
    static Path newSibling(Path target) throws IOException {
        while (true) {
            Path tmp = target.resolveSibling("." + target.getFileName() + "."
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                // A name clash with another writer: draw again.
            }
        }
    }

    /** The cached file for a revision, if both the ref (for branches) and the snapshot are there. */
    public Optional<Path> cachedFile(RepoId repo, String revision, String filename) {
        return commitFor(repo, revision)
                .map(commit -> snapshotFile(repo, commit, filename))
                .filter(Files::isRegularFile); // follows the symlink: a dangling link is no hit
    }

    /** Remembers that {@code filename} does not exist at {@code commit}. */
    public void markMissing(RepoId repo, String commit, String filename) {
        Path marker = noExistFile(repo, commit, filename);
        try {
            Files.createDirectories(marker.getParent());
            Files.createFile(marker);
        } catch (FileAlreadyExistsException e) {
            // Already known; nothing to do.
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + marker, e);
        }
    }

    /** True when an earlier request found {@code filename} absent at {@code commit}. */
    public boolean isKnownMissing(RepoId repo, String commit, String filename) {
        return Files.exists(noExistFile(repo, commit, filename));
    }

    /**
     * Points {@code snapshots/<commit>/<file>} at its blob with a relative symlink, as Python does;
     * where symlinks are not allowed (some Windows setups) the blob is copied instead.
     */
    public void link(Path blob, Path snapshotFile) {
        try {
            Files.createDirectories(snapshotFile.getParent());
            Path target = snapshotFile.getParent().relativize(blob);
            Path tmp = snapshotFile.resolveSibling("." + snapshotFile.getFileName() + "." + System.nanoTime() + ".tmp");
            try {
                Files.createSymbolicLink(tmp, target);
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            moveReplacing(tmp, snapshotFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot link " + snapshotFile + " to " + blob, e);
        }
    }

    static void moveReplacing(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Checks a file name in a repo ({@code config.json}, {@code sub/dir/file}) before it is used in
     * a URL or a cache path: no absolute paths, backslashes, control characters (NUL included) or
     * {@code ..} segments.
     */
    public static String checkFilename(String filename) {
        if (filename == null || filename.isEmpty() || filename.startsWith("/") || filename.contains("\\")) {
            throw new IllegalArgumentException(
                    "'" + HubErrors.printable(filename) + "' is not a relative file name" + " in a repo");
        }
        if (filename.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("'" + HubErrors.printable(filename) + "' is not a file name in a repo:"
                    + " it holds a control character");
        }
        for (String segment : filename.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException(
                        "'" + filename + "' is not a plain file name in a repo" + " (empty, '.' or '..' segment)");
            }
        }
        return filename;
    }

    /** {@code base/relative}, refusing names that would climb out of {@code base}. */
    private static Path inside(Path base, String relative) {
        checkFilename(relative);
        Path p;
        try {
            p = base.resolve(relative).normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(
                    "'" + HubErrors.printable(relative) + "' is not a valid file name" + " here (" + e.getReason()
                            + ")",
                    e);
        }
        if (!p.startsWith(base) || p.equals(base)) {
            throw new IllegalArgumentException(
                    "'" + HubErrors.printable(relative) + "' points outside its repo folder");
        }
        return p;
    }

    private static String checkCommit(String commit) {
        if (!isCommitHash(commit)) {
            throw new IllegalArgumentException(
                    "'" + HubErrors.printable(commit) + "' is not a commit hash" + " (40 lowercase hex characters)");
        }
        return commit;
    }

    private static String checkName(String value, String what) {
        if (!isSafeName(value)) {
            throw new IllegalArgumentException(
                    "invalid " + what + " '" + HubErrors.printable(value) + "' from the Hub");
        }
        return value;
    }

    /** One plain path segment: not empty, no separator or control character, not {@code .} or {@code ..}. */
    static boolean isSafeName(String value) {
        return value != null
                && !value.isEmpty()
                && value.length() <= 255
                && !value.contains("/")
                && !value.contains("\\")
                && !value.equals(".")
                && !value.equals("..")
                && value.chars().noneMatch(Character::isISOControl);
    }
}
