package ai.peft4j.io.hub;

import java.net.URI;

/**
 * What a {@code HEAD} on {@code /resolve/} tells about a file before downloading it.
 *
 * <pre>{@code
 * FileMetadata m = hub.getFileMetadata("org/model", "model.safetensors", "main");
 * m.commit();  // the commit "main" points to
 * m.etag();    // sha256 for LFS files, the git blob id for small ones
 * }</pre>
 *
 * @param commit the commit hash the revision resolved to ({@code X-Repo-Commit})
 * @param etag the blob name, without quotes or {@code W/} ({@code X-Linked-Etag}, else {@code ETag})
 * @param size the size in bytes ({@code X-Linked-Size}, else {@code Content-Length}), -1 if unknown
 * @param location where the bytes are served: the CDN for LFS files, else the resolve URL
 */
public record FileMetadata(String commit, String etag, long size, URI location) {

    /** True when the ETag is a SHA-256 (LFS files), which the download is checked against. */
    public boolean isSha256() {
        return etag.matches("[0-9a-f]{64}");
    }

    /** Removes the weak-validator prefix and quotes, as the Hub's ETags are quoted. */
    static String normalizeEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }
}
