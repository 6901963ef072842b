package ai.peft4j.io.hub;

import java.net.http.HttpHeaders;

/** Turns a failed Hub response into an exception whose message says what to do. */
final class HubErrors {

    private HubErrors() {}

    /**
     * @param action what we tried, e.g. "download config.json from org/model at main"
     * @param repo the repo, for hints; may be null
     */
    static HubException of(int status, HttpHeaders headers, String body, String action, String endpoint, RepoId repo) {
        String code = headers.firstValue("X-Error-Code").orElse("");
        String serverMessage = headers.firstValue("X-Error-Message").orElse(shorten(body));
        String detail = serverMessage.isBlank() ? "" : " (server: " + serverMessage + ")";
        String prefix = "cannot " + action + ": HTTP " + status + detail + ". ";
        String repoUrl = repo == null ? endpoint : endpoint + "/" + repo;
        switch (code) {
            case "EntryNotFound":
                String commit = headers.firstValue("X-Repo-Commit").orElse(null);
                if (commit != null && !HubCache.isCommitHash(commit)) {
                    // The commit goes into the cache (refs, .no_exist): never anything but a hash.
                    return new HubException(
                            prefix + "The server's X-Repo-Commit '" + printable(commit) + "' for "
                                    + (repo == null ? "the repo" : repo)
                                    + " is not a commit hash (40 lowercase hex characters);"
                                    + " is " + endpoint + " a Hugging Face Hub?",
                            status,
                            null);
                }
                return new HubEntryNotFoundException(
                        prefix + "The repo has no such file at that revision;" + " check the file name and revision on "
                                + repoUrl,
                        commit);
            case "RevisionNotFound":
                return new HubException(
                        prefix + "No such branch, tag or commit; check the revision on " + repoUrl + "/tree/main",
                        status,
                        null);
            case "GatedRepo":
                return new HubException(
                        prefix + "The repo is gated: log in on " + repoUrl + " with the"
                                + " account of your token and accept its conditions, then retry",
                        status,
                        null);
            default:
                break;
        }
        switch (status) {
            case 401:
                return new HubException(
                        prefix + "The Hub needs a valid token: the repo is private or does"
                                + " not exist, or the token was rejected. Set HF_TOKEN, run `huggingface-cli login`"
                                + " (it writes $HF_HOME/token) or pass HubClient.builder().token(...)",
                        status,
                        null);
            case 403:
                return new HubException(
                        prefix + "Your token is not allowed to do this: for uploads use a"
                                + " token with write access (" + endpoint + "/settings/tokens) to a namespace you"
                                + " belong to; for gated repos accept the conditions on " + repoUrl,
                        status,
                        null);
            case 404:
                return new HubException(
                        prefix + "Repository " + (repo == null ? "" : "'" + repo + "' ")
                                + "not found on " + endpoint + ": check the id (org/name); if it is private, set a"
                                + " token",
                        status,
                        null);
            case 409:
                return new HubException(
                        prefix + "Conflict with the repo's current state: the repo"
                                + " already exists under another setting, or the branch moved while we committed;"
                                + " retry, or pick another repo id",
                        status,
                        null);
            default:
                return new HubException(
                        prefix
                                + (status >= 500
                                        ? "The Hub has a problem; retry later"
                                        : "Unexpected answer from " + endpoint),
                        status,
                        null);
        }
    }

    /**
     * A value from the server or the cache, fit to quote in a message: control characters escaped
     * (a NUL shows as backslash-u0000), at most 200 characters.
     */
    static String printable(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        value.codePoints().limit(200).forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return value.codePointCount(0, value.length()) > 200 ? out + "..." : out.toString();
    }

    private static String shorten(String body) {
        if (body == null) {
            return "";
        }
        String b = body.strip().replaceAll("\\s+", " ");
        return b.length() > 300 ? b.substring(0, 300) + "..." : b;
    }
}
