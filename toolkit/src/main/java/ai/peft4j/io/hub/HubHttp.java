package ai.peft4j.io.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * The HTTP side of the client: URLs, headers and redirects. Network trouble is an {@link
 * IOException} (the caller may fall back to the cache); an answer the Hub refused is a {@link
 * HubException}.
 */
final class HubHttp {

    private static final int MAX_REDIRECTS = 10;

    private final HttpClient client;
    private final HubSettings settings;
    private final Duration timeout;
    private final String userAgent = "peft4j/0.1.0; java/" + Runtime.version().feature();

    HubHttp(HubSettings settings, Duration timeout) {
        this.settings = settings;
        this.timeout = timeout;
        // Redirects are handled by hand: the Hub's headers on the redirect itself carry the metadata.
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                .build();
    }

    String endpoint() {
        return settings.endpoint();
    }

    /** {@code {endpoint}/{repo}/resolve/{revision}/{file}}, each part percent-encoded. */
    URI resolveUrl(RepoId repo, String revision, String filename) {
        StringBuilder path = new StringBuilder();
        for (String segment : filename.split("/")) {
            path.append('/').append(encode(segment));
        }
        // The revision is one segment even if it has a slash ("refs/pr/1"), as Python quotes it.
        return URI.create(settings.endpoint() + "/" + repo + "/resolve/" + encode(revision) + path);
    }

    URI apiUrl(String path) {
        return URI.create(settings.endpoint() + path);
    }

    /**
     * Reads a file's metadata with {@code HEAD}. Redirects within the Hub (a renamed repo: a
     * relative {@code Location}) are followed; a redirect elsewhere (the LFS CDN) is where the
     * bytes live, and its headers already name the blob.
     */
    FileMetadata head(RepoId repo, String revision, String filename) throws IOException {
        URI url = resolveUrl(repo, revision, filename);
        String action = "get " + filename + " from " + repo + " at revision '" + revision + "'";
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest request = request(url)
                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                    // The size must be of the bytes stored, not of a compressed transfer.
                    .header("Accept-Encoding", "identity")
                    .build();
            HttpResponse<Void> response = send(request, HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            if (status >= 300 && status < 400) {
                String location = response.headers()
                        .firstValue("Location")
                        .orElseThrow(() -> new HubException(
                                "cannot " + action + ": HTTP " + status + " without a Location header"));
                URI target = serverUrl(url, location, action);
                if (location.startsWith("/") && !location.startsWith("//")) {
                    url = target;
                    continue;
                }
                return metadata(response, target, action);
            }
            if (status >= 200 && status < 300) {
                return metadata(response, url, action);
            }
            throw HubErrors.of(status, response.headers(), "", action, settings.endpoint(), repo);
        }
        throw new HubException("cannot " + action + ": more than " + MAX_REDIRECTS + " redirects");
    }

    private static FileMetadata metadata(HttpResponse<?> response, URI location, String action) {
        var h = response.headers();
        String commit = h.firstValue("X-Repo-Commit").orElse(null);
        String etag = FileMetadata.normalizeEtag(
                h.firstValue("X-Linked-Etag").orElse(h.firstValue("ETag").orElse(null)));
        if (commit == null || etag == null || etag.isEmpty()) {
            throw new HubException("cannot " + action + ": the server sent no "
                    + (commit == null ? "X-Repo-Commit" : "ETag") + " header. Is HF_ENDPOINT a Hugging Face"
                    + " Hub (or a proxy that keeps its headers)?");
        }
        // Both become names in the cache (refs/<revision> holds the commit, snapshots/<commit>/,
        // blobs/<etag>), which Python's huggingface_hub shares: refuse what could leave the cache.
        if (!HubCache.isCommitHash(commit)) {
            throw new HubException("cannot " + action + ": the server's X-Repo-Commit '" + HubErrors.printable(commit)
                    + "' is not a commit hash (40 lowercase hex characters); nothing was written to the cache."
                    + " Is HF_ENDPOINT a Hugging Face Hub (or a proxy that keeps its headers)?");
        }
        if (!HubCache.isSafeName(etag) || etag.startsWith(".")) {
            throw new HubException(
                    "cannot " + action + ": the server's ETag '" + HubErrors.printable(etag)
                            + "' cannot name a file in the cache; nothing was written to it. Is HF_ENDPOINT a Hugging Face Hub?");
        }
        long size = h.firstValueAsLong("X-Linked-Size")
                .orElse(h.firstValueAsLong("Content-Length").orElse(-1));
        return new FileMetadata(commit, etag, size, location);
    }

    /** {@code GET url}, from byte {@code from} on when it is positive. */
    HttpResponse<InputStream> get(URI url, long from) throws IOException {
        HttpRequest.Builder b = request(url).GET().header("Accept-Encoding", "identity");
        if (from > 0) {
            b.header("Range", "bytes=" + from + "-");
        }
        return send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Sends a request whose answer is small (JSON); the body is returned as text. */
    HttpResponse<String> sendForText(HttpRequest request) throws IOException {
        return send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /**
     * A URL the server handed us (a redirect's {@code Location}, an upload {@code href}), resolved
     * against {@code base} (may be null). Only http and https: a {@code file:} or any other scheme,
     * or text that is no URL, is a HubException naming {@code action}.
     */
    static URI serverUrl(URI base, String text, String action) {
        URI u;
        try {
            u = base == null ? new URI(text) : base.resolve(new URI(text));
        } catch (URISyntaxException e) {
            throw new HubException(
                    "cannot " + action + ": the server sent '" + HubErrors.printable(text) + "', which is not a URL ("
                            + e.getReason() + " at index " + e.getIndex() + ")",
                    e);
        }
        checkHttp(u, "cannot " + action + ": the server sent");
        return u;
    }

    /** Refuses any URL the client must not fetch: only http(s) with a host. */
    private static void checkHttp(URI u, String context) {
        String scheme = u.getScheme();
        if (scheme == null
                || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || u.getHost() == null) {
            throw new HubException(context + " the URL '" + HubErrors.printable(u.toString()) + "', which is not an"
                    + " http(s) URL with a host; peft4j only fetches from the Hub and its CDN over HTTP(S)");
        }
    }

    /**
     * A request with our User-Agent and, for the Hub itself only, the token: the token must not
     * leak to a CDN or an LFS storage host.
     */
    HttpRequest.Builder request(URI url) {
        checkHttp(url, "refusing to request");
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(timeout).header("User-Agent", userAgent);
        if (settings.token() != null && sameOrigin(url, URI.create(settings.endpoint()))) {
            b.header("Authorization", "Bearer " + settings.token());
        }
        return b;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme())
                && Objects.equals(a.getHost(), b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return client.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + request.uri());
        }
    }

    /** Percent-encodes one path segment (RFC 3986 unreserved characters stay). */
    static String encode(String segment) {
        StringBuilder out = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
