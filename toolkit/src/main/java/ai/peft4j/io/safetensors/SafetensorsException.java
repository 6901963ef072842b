package ai.peft4j.io.safetensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The one exception this package throws for a malformed or unreadable safetensors file or
 * checkpoint. {@link #problem()} says what is wrong, {@link #file()} which file, and {@link
 * #tensor()} which tensor when one is involved. The message combines all three with a hint.
 *
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(path)) {
 *   ...
 * } catch (SafetensorsException e) {
 *   if (e.problem() == SafetensorsException.Problem.TRUNCATED) { ...re-download... }
 * }
 * }</pre>
 */
public final class SafetensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Problem {
        /** The file is shorter than its header says (or shorter than the 8-byte length prefix). */
        TRUNCATED("the file is incomplete; re-download or re-save it"),
        /** The 8-byte header length points past the end of the file. */
        HEADER_LENGTH_BEYOND_FILE("the file is incomplete or not a safetensors file"),
        /** The declared header length exceeds the 100,000,000 byte limit of the reference reader. */
        HEADER_TOO_LARGE("this is probably not a safetensors file"),
        /** The header bytes are not valid UTF-8. */
        INVALID_UTF8("the header is corrupt; re-save the file"),
        /** The header is not valid JSON (or not a JSON object). */
        INVALID_JSON("the header is corrupt; re-save the file"),
        /** The header is JSON but an entry lacks a field or has a value of the wrong type. */
        INVALID_HEADER("the header does not follow the safetensors format; re-save the file"),
        /** A tensor has a dtype this library does not know. */
        UNKNOWN_DTYPE("convert the tensor to a supported dtype before saving"),
        /** A shape entry is negative, not an integer, or the element count overflows. */
        BAD_SHAPE("the header is corrupt; re-save the file"),
        /** A tensor's data_offsets are not two integers with 0 <= begin <= end. */
        OFFSETS_OUT_OF_RANGE("the header is corrupt; re-save the file"),
        /** Tensors overlap, or there is an unused gap between them. */
        OFFSETS_OVERLAP_OR_GAP("the header is corrupt; re-save the file"),
        /** shape x dtype size differs from the tensor's byte range. */
        SIZE_MISMATCH("the header is corrupt; re-save the file"),
        /** Bytes follow the last tensor; the reference reader rejects such files too. */
        TRAILING_DATA("the file was modified or concatenated; re-save it"),
        /** The same name appears twice in one header (or one index). */
        DUPLICATE_NAME("names must be unique; re-save the file"),
        /** A tensor cannot be materialised as asked (too large for one buffer, or U64 to DJL). */
        UNSUPPORTED("read it in windows with bytes(name, offset, length) or convert it first"),
        /** A shard listed in model.safetensors.index.json does not exist. */
        MISSING_SHARD("download the missing shard next to the index"),
        /** The index names a tensor that its shard does not contain. */
        SHARD_MISMATCH("the index and the shards come from different saves; re-download them"),
        /** The index file is malformed. */
        INVALID_INDEX("the index file is corrupt; re-download or re-save the checkpoint"),
        /** The directory holds neither model.safetensors nor model.safetensors.index.json. */
        NOT_A_CHECKPOINT("point to a directory saved with safe_serialization=True"),
        /** The path is a FIFO, a device or a directory: refused before opening, which could block. */
        NOT_A_REGULAR_FILE("point to the file itself; a pipe or device is never read"),
        /** The operating system reported an I/O error. */
        IO_ERROR("check that the file is readable and the disk is healthy");

        private final String hint;

        Problem(String hint) {
            this.hint = hint;
        }

        /** What the user can do about it. */
        public String hint() {
            return hint;
        }
    }

    private final transient Path file;
    private final Problem problem;
    private final String tensor;

    /** A problem with the file as a whole. */
    public SafetensorsException(Path file, Problem problem, String detail) {
        this(file, problem, null, detail, null);
    }

    /** A problem with one tensor (tensor may be null) and an optional cause. */
    public SafetensorsException(Path file, Problem problem, String tensor, String detail, Throwable cause) {
        super(format(file, problem, tensor, detail), cause);
        this.file = file;
        this.problem = Objects.requireNonNull(problem, "problem");
        this.tensor = tensor;
    }

    private static String format(Path file, Problem problem, String tensor, String detail) {
        StringBuilder sb = new StringBuilder();
        sb.append(problem).append(" in safetensors file ").append(file);
        if (tensor != null) {
            sb.append(", tensor '").append(tensor).append('\'');
        }
        if (detail != null && !detail.isEmpty()) {
            sb.append(": ").append(detail);
        }
        sb.append(" (").append(problem.hint()).append(')');
        return sb.toString();
    }

    /** The file the problem was found in. */
    public Path file() {
        return file;
    }

    /** The kind of problem. */
    public Problem problem() {
        return problem;
    }

    /** The tensor involved, or null. */
    public String tensor() {
        return tensor;
    }
}
