package ai.peft4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Opens the files a checkpoint or an adapter is made of, refusing anything but a regular file.
 * Opening a FIFO for reading blocks until some process writes to it, and a device such as {@code
 * /dev/zero} never ends, so every reader of a user-supplied path checks first. Symbolic links are
 * followed (the Hub cache links snapshots to blobs).
 *
 * <pre>{@code
 * String text = LocalFiles.readUtf8(dir.resolve("config.json"), LocalFiles.MAX_JSON_BYTES);
 * try (FileChannel ch = LocalFiles.openRegular(dir.resolve("model.safetensors"))) { ... }
 * }</pre>
 *
 * <p>The check and the open are two steps, so a file swapped for a FIFO in between still blocks;
 * only someone who can write to the folder during the load can do that.
 */
public final class LocalFiles {

    /** The largest JSON file (config, index) read whole: far above any real one. */
    public static final long MAX_JSON_BYTES = 100_000_000L;

    private LocalFiles() {}

    /** The path is there but is a FIFO, a device, a directory or another non-regular file. */
    public static final class NotRegularFileException extends FileSystemException {
        private static final long serialVersionUID = 1L;

        NotRegularFileException(Path file, String kind) {
            super(file.toString(), null, "is " + kind + ", not a regular file");
        }
    }

    /** The file is larger than its reader accepts. */
    public static final class FileTooLargeException extends FileSystemException {
        private static final long serialVersionUID = 1L;

        FileTooLargeException(Path file, long size, long maxBytes) {
            super(file.toString(), null, "is " + size + " bytes, more than the " + maxBytes + " such a file may have");
        }
    }

    /**
     * Checks that {@code file} is a regular file (after following links).
     *
     * @throws NoSuchFileException when nothing is there
     * @throws NotRegularFileException when something else than a regular file is there
     */
    public static void requireRegularFile(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (!a.isRegularFile()) {
            throw new NotRegularFileException(file, a.isDirectory() ? "a directory" : "a FIFO, socket or device");
        }
    }

    /** {@link #requireRegularFile}, then opens the file for reading. */
    public static FileChannel openRegular(Path file) throws IOException {
        requireRegularFile(file);
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    /**
     * Reads a whole regular file of at most {@code maxBytes}.
     *
     * @throws FileTooLargeException when the file is larger
     */
    public static byte[] readRegular(Path file, long maxBytes) throws IOException {
        try (FileChannel ch = openRegular(file)) {
            long size = ch.size();
            if (size > maxBytes || size > Integer.MAX_VALUE - 8) {
                throw new FileTooLargeException(file, size, maxBytes);
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // a file that shrinks meanwhile ends the loop; the text read so far is what we have
            }
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return out;
        }
    }

    /**
     * Reads a whole regular file as strict UTF-8, as Python's {@code json.load} of a file opened
     * with {@code encoding="utf-8"} does.
     *
     * @throws java.nio.charset.CharacterCodingException when the bytes are not valid UTF-8
     */
    public static String readUtf8(Path file, long maxBytes) throws IOException {
        return decodeUtf8(readRegular(file, maxBytes));
    }

    /**
     * Decodes strict UTF-8: malformed input is reported, not replaced with U+FFFD as {@code new String(bytes, UTF_8)}
     * would.
     *
     * @throws java.nio.charset.CharacterCodingException when the bytes are not valid UTF-8
     */
    public static String decodeUtf8(byte[] bytes) throws java.nio.charset.CharacterCodingException {
        return StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }
}
