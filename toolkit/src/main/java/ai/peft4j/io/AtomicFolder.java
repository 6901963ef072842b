package ai.peft4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves several files into a folder as one step: a process killed at any moment leaves the folder
 * reading as the previous save or as the new one, never as a mix of both (an adapter's weights
 * from one save with the config of another).
 *
 * <pre>{@code
 * AtomicFolder.save(Path.of("my-adapter"), staging -> {
 *   Files.writeString(staging.resolve("adapter_config.json"), json);
 *   SafetensorsWriter.write(staging.resolve("adapter_model.safetensors"), tensors, meta);
 * });
 * Path config = AtomicFolder.file(Path.of("my-adapter"), "adapter_config.json"); // for reading
 * }</pre>
 *
 * <h2>The rule</h2>
 *
 * A save of {@code dir}:
 *
 * <ol>
 *   <li>finishes a save that an earlier process committed but did not complete (step 4), and
 *       deletes the staging folders of saves that never committed;
 *   <li>writes every new file into a fresh staging folder {@code dir/.peft4j-staging-<random>/},
 *       under the same relative paths it will have in {@code dir}, and flushes them to disk;
 *   <li>commits: writes the commit record {@value #RECORD} (the staging folder's name and the list
 *       of files) and renames it into {@code dir}, which is atomic;
 *   <li>renames each staged file over its place in {@code dir}, then deletes the commit record and
 *       the staging folder.
 * </ol>
 *
 * Until step 3 the folder is the old save: readers ignore staging folders. From step 3 on it is
 * the new save: while a commit record is there, {@link #file} reads each file it lists from the
 * staging folder if the file is still there (not yet renamed), else from its place. A reader that
 * finds a record also completes step 4 when it may write the folder; it never deletes anything
 * else. A record that is not one peft4j wrote (unreadable, or naming a path outside the folder)
 * is ignored by readers and deleted by the next save.
 *
 * <p>Files the save does not write are kept: a user's own files, other adapters' sub-folders. A
 * file that a sub-folder holds ({@code dir/<name>/adapter_config.json}) is covered by the record
 * in {@code dir}; {@link #file} looks in the folder and its parent. Files are created with the
 * process's default permissions (umask), as {@code open(2)} makes them.
 *
 * <p>One writer at a time per folder: two processes saving into the same folder at once are not
 * coordinated. Readers running during a save see each file old or new, but may read an adapter's
 * two files across the commit; the guarantee is about a save that is interrupted.
 */
public final class AtomicFolder {

    /** The commit record's file name in the saved folder. */
    public static final String RECORD = ".peft4j-commit";
    /** The start of every staging folder's name. */
    public static final String STAGING_PREFIX = ".peft4j-staging-";

    private static final String HEADER = "peft4j-atomic-folder 1";
    private static final Pattern STAGING_NAME = Pattern.compile("\\.peft4j-staging-[0-9a-f]{16}");
    private static final Logger LOG = LoggerFactory.getLogger(AtomicFolder.class);

    private AtomicFolder() {}

    /** Writes a save's files into the staging folder it is given. */
    @FunctionalInterface
    public interface Contents {
        /**
         * @param staging an empty folder; what is written here (sub-folders included) replaces the
         *     files of the same relative path in the saved folder
         */
        void writeTo(Path staging) throws IOException;
    }

    /**
     * Saves into {@code dir} (created if needed) the files that {@code contents} writes, following
     * the rule in the class comment. If {@code contents} throws, {@code dir} is left as it was.
     *
     * @throws IOException when the folder cannot be written; {@code dir} then reads as before, or,
     *     when the failure came after the commit, as the new save
     */
    public static void save(Path dir, Contents contents) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("cannot save into " + dir + ": it is a file, not a folder");
        }
        Files.createDirectories(dir);
        recover(dir);
        Path staging = dir.resolve(STAGING_PREFIX
                + String.format("%016x", ThreadLocalRandom.current().nextLong()));
        Files.createDirectory(staging);
        boolean committed = false;
        try {
            contents.writeTo(staging);
            List<String> files = listFiles(staging);
            if (files.isEmpty()) {
                return;
            }
            for (String rel : files) {
                Path target = dir.resolve(rel);
                if (Files.isDirectory(target)) {
                    throw new IOException("cannot save " + target + ": a folder of that name is in the way");
                }
                forceFile(staging.resolve(rel));
                deleteOldTemporaries(target);
            }
            forceTree(staging);
            Path record = staging.resolve(RECORD);
            Files.writeString(
                    record,
                    HEADER + "\n" + staging.getFileName() + "\n" + String.join("\n", files) + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            forceFile(record);
            move(record, dir.resolve(RECORD));
            forceDirectory(dir);
            committed = true;
            finish(dir, new Record(staging.getFileName().toString(), files));
        } finally {
            if (!committed) {
                deleteTree(staging);
            }
        }
    }

    /**
     * The path to read for {@code dir/name} ({@code name} may hold a sub-folder, {@code
     * "other/adapter_config.json"}): normally {@code dir.resolve(name)}, but while a committed save
     * is not complete, the staged copy of the new file. A committed save found here is completed
     * first when the folder can be written; reading never deletes anything else.
     */
    public static Path file(Path dir, String name) {
        Path plain = dir.resolve(name);
        Path abs = dir.toAbsolutePath().normalize();
        Optional<Path> fromHere = viaRecord(abs, name);
        if (fromHere.isPresent()) {
            return fromHere.get();
        }
        Path parent = abs.getParent();
        if (parent != null && abs.getFileName() != null) {
            Optional<Path> fromParent = viaRecord(parent, abs.getFileName() + "/" + name);
            if (fromParent.isPresent()) {
                return fromParent.get();
            }
        }
        return plain;
    }

    /** Whether {@code name} is one of this class's working names (commit record, staging folder). */
    public static boolean isWorkingName(String name) {
        return name.equals(RECORD) || name.startsWith(STAGING_PREFIX);
    }

    // ------------------------------------------------------------------ the record

    /** A commit record: the staging folder's name and the files, relative to the saved folder. */
    private record Record(String staging, List<String> files) {

        /** Where {@code rel} is to be read now: its staged copy while it has not been moved. */
        Path resolve(Path dir, String rel) {
            Path staged = dir.resolve(staging).resolve(rel);
            return Files.exists(staged) ? staged : dir.resolve(rel);
        }
    }

    /** The record in {@code dir}, if there is one peft4j wrote. */
    private static Optional<Record> readRecord(Path dir) {
        Path file = dir.resolve(RECORD);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Ignoring {}: it cannot be read ({})", file, e.getMessage());
            return Optional.empty();
        }
        if (lines.size() < 3
                || !lines.get(0).equals(HEADER)
                || !STAGING_NAME.matcher(lines.get(1)).matches()) {
            LOG.warn("Ignoring {}: it is not a commit record peft4j wrote", file);
            return Optional.empty();
        }
        List<String> files = lines.subList(2, lines.size());
        for (String rel : files) {
            if (!isSafeRelative(rel)) {
                LOG.warn("Ignoring {}: it names '{}', which is not a path inside the folder", file, rel);
                return Optional.empty();
            }
        }
        return Optional.of(new Record(lines.get(1), List.copyOf(files)));
    }

    private static boolean isSafeRelative(String rel) {
        if (rel.isEmpty() || rel.startsWith("/") || rel.contains("\\") || rel.indexOf('\0') >= 0) {
            return false;
        }
        for (String part : rel.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || isWorkingName(part)) {
                return false;
            }
        }
        return true;
    }

    private static Optional<Path> viaRecord(Path dir, String name) {
        Optional<Record> record = readRecord(dir);
        if (record.isEmpty() || !record.get().files().contains(name)) {
            return Optional.empty();
        }
        try {
            finish(dir, record.get());
        } catch (IOException | RuntimeException e) {
            // A folder we may not write (shared, read-only): read through the record instead.
            LOG.debug("Could not complete the save in {}: {}", dir, e.toString());
        }
        return Optional.of(record.get().resolve(dir, name));
    }

    // ------------------------------------------------------------------ steps

    /** Step 1: completes a committed save, deletes what uncommitted ones left. */
    private static void recover(Path dir) throws IOException {
        Optional<Record> record = readRecord(dir);
        if (record.isPresent()) {
            finish(dir, record.get());
        } else {
            Files.deleteIfExists(dir.resolve(RECORD));
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, STAGING_PREFIX + "*")) {
            for (Path p : entries) {
                deleteTree(p);
            }
        }
    }

    /** Step 4: moves the staged files into place, then removes the record and the staging folder. */
    private static void finish(Path dir, Record record) throws IOException {
        Path staging = dir.resolve(record.staging());
        Set<Path> touched = new LinkedHashSet<>();
        for (String rel : record.files()) {
            Path from = staging.resolve(rel);
            Path to = dir.resolve(rel);
            if (!Files.exists(from)) {
                continue; // moved already
            }
            Files.createDirectories(to.getParent());
            try {
                move(from, to);
            } catch (NoSuchFileException e) {
                // Another reader moved it in the meantime.
            }
            touched.add(to.getParent());
        }
        for (Path d : touched) {
            forceDirectory(d);
        }
        Files.deleteIfExists(dir.resolve(RECORD));
        forceDirectory(dir);
        deleteTree(staging);
    }

    // ------------------------------------------------------------------ file system helpers

    /** Regular files under {@code root}, as relative paths with '/' separators, sorted. */
    private static List<String> listFiles(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                if (!Files.isRegularFile(p) && !Files.isDirectory(p)) {
                    throw new IOException("cannot save " + p + ": only files and folders can be saved");
                }
                if (Files.isRegularFile(p)) {
                    String rel = root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
                    if (!isSafeRelative(rel) || rel.indexOf('\n') >= 0) {
                        throw new IOException("cannot save a file named '" + rel + "' atomically");
                    }
                    out.add(rel);
                }
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /**
     * Deletes temporary files that single-file writers of earlier peft4j versions left next to
     * {@code target} when they were killed ({@code .<name>…tmp}).
     */
    private static void deleteOldTemporaries(Path target) throws IOException {
        Path parent = target.getParent();
        if (!Files.isDirectory(parent)) {
            return;
        }
        String name = target.getFileName().toString();
        try (DirectoryStream<Path> old = Files.newDirectoryStream(parent, p -> {
            String n = p.getFileName().toString();
            return n.startsWith("." + name) && n.endsWith(".tmp") && Files.isRegularFile(p);
        })) {
            for (Path p : old) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void forceFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    private static void forceTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isDirectory(p)) {
                    forceDirectory(p);
                }
            }
        }
    }

    /** Makes renames in {@code dir} durable where the platform allows fsync on a folder (Linux does). */
    private static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException ignored) {
            // Best effort: not every OS or file system supports it; the files themselves were forced.
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException e) {
            // Deleted by someone else meanwhile.
        }
    }
}
