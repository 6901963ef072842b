package ai.peft4j.io.hub;

/**
 * A Hub request or cache lookup failed; the message says what to do about it.
 *
 * <pre>{@code
 * try {
 *   hub.hfHubDownload("org/private-model", "config.json", null);
 * } catch (HubException e) {
 *   System.err.println(e.getMessage() + " (HTTP " + e.statusCode() + ")");
 * }
 * }</pre>
 */
public class HubException extends RuntimeException {

    private final int statusCode;

    /** An error without an HTTP status (cache, checksum, network). */
    public HubException(String message) {
        this(message, -1, null);
    }

    /** An error with its cause. */
    public HubException(String message, Throwable cause) {
        this(message, -1, cause);
    }

    /** An error answered by the server with {@code statusCode}. */
    public HubException(String message, int statusCode, Throwable cause) {
        super(message, cause);
        this.statusCode = statusCode;
    }

    /** The HTTP status the server answered, or -1 when the error did not come from a response. */
    public int statusCode() {
        return statusCode;
    }
}
