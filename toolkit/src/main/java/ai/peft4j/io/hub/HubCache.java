package ai.peft4j.io.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
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

  public Path snapshotDir(RepoId repo, String commit) {
    return repoDir(repo).resolve("snapshots").resolve(checkName(commit, "commit"));
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
    return inside(repoDir(repo).resolve(".no_exist").resolve(checkName(commit, "commit")), filename);
  }

  /** The commit a branch or tag pointed to when last seen online; a commit hash is itself. */
  public Optional<String> commitFor(RepoId repo, String revision) {
    if (isCommitHash(revision)) {
      return Optional.of(revision);
    }
    Path ref = refFile(repo, revision);
    if (!Files.isRegularFile(ref)) {
      return Optional.empty();
    }
    try {
      String commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
      return commit.isEmpty() ? Optional.empty() : Optional.of(commit);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + ref, e);
    }
  }

  /** Records that {@code revision} is at {@code commit}; nothing is written for a commit hash. */
  public void writeRef(RepoId repo, String revision, String commit) {
    if (revision.equals(commit) || commit.equals(commitFor(repo, revision).orElse(null))) {
      return;
    }
    Path ref = refFile(repo, revision);
    try {
      Files.createDirectories(ref.getParent());
      Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
      Files.writeString(tmp, commit, StandardCharsets.UTF_8); // no newline, as Python writes it
      moveReplacing(tmp, ref);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + ref, e);
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
   * a URL or a cache path: no absolute paths, backslashes or {@code ..} segments.
   */
  public static String checkFilename(String filename) {
    if (filename == null || filename.isEmpty() || filename.startsWith("/") || filename.contains("\\")) {
      throw new IllegalArgumentException("'" + filename + "' is not a relative file name in a repo");
    }
    for (String segment : filename.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException("'" + filename + "' is not a plain file name in a repo"
            + " (empty, '.' or '..' segment)");
      }
    }
    return filename;
  }

  /** {@code base/relative}, refusing names that would climb out of {@code base}. */
  private static Path inside(Path base, String relative) {
    checkFilename(relative);
    Path p = base.resolve(relative).normalize();
    if (!p.startsWith(base) || p.equals(base)) {
      throw new IllegalArgumentException("'" + relative + "' points outside its repo folder");
    }
    return p;
  }

  private static String checkName(String value, String what) {
    if (value == null || value.isEmpty() || value.contains("/") || value.contains("\\")
        || value.equals(".") || value.equals("..")) {
      throw new IllegalArgumentException("invalid " + what + " '" + value + "' from the Hub");
    }
    return value;
  }
}
