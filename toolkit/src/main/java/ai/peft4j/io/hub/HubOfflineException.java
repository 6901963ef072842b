package ai.peft4j.io.hub;

/**
 * A file was needed from the cache (offline mode, or the Hub could not be reached) and it is not
 * there: {@code huggingface_hub}'s {@code LocalEntryNotFoundError}.
 *
 * <pre>{@code
 * HubClient offline = HubClient.builder().offline(true).build();
 * offline.hfHubDownload("org/never-downloaded", "config.json", null); // throws HubOfflineException
 * }</pre>
 */
public class HubOfflineException extends HubException {

    /** The message names the file, the cache and how to fill it. */
    public HubOfflineException(String message, Throwable cause) {
        super(message, cause);
    }
}
