package ai.peft4j.io.hub;

/**
 * The repository exists but has no such file at that revision (the Hub's {@code
 * EntryNotFound}). Callers that try alternatives, such as {@code model.safetensors} before its
 * sharded index, catch this one.
 *
 * <pre>{@code
 * try {
 *   hub.hfHubDownload("org/model", "model.safetensors", null);
 * } catch (HubEntryNotFoundException e) {
 *   hub.hfHubDownload("org/model", "model.safetensors.index.json", e.commit());
 * }
 * }</pre>
 */
public class HubEntryNotFoundException extends HubException {

    private final String commit;

    /** {@code commit} is the resolved commit hash when the server sent it, else null. */
    public HubEntryNotFoundException(String message, String commit) {
        super(message, 404, null);
        this.commit = commit;
    }

    /** The commit hash the revision resolved to, or null when unknown. */
    public String commit() {
        return commit;
    }
}
