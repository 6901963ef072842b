package ai.peft4j.io.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Hugging Face Hub on 127.0.0.1 that follows the documented protocol closely enough for the
 * client: {@code HEAD}/{@code GET /resolve/} with {@code X-Repo-Commit} and quoted ETags, LFS
 * files as a 302 to {@code /cdn/<sha256>} with {@code X-Linked-Etag}/{@code X-Linked-Size},
 * {@code Range}, private repos (401 without token), {@code X-Error-Code} on 404s, and the
 * create/preupload/LFS batch/commit endpoints for uploads. Every request is counted and logged.
 */
public final class FakeHub implements AutoCloseable {

    public static final String READ_TOKEN = "hf_fake_read";
    public static final String WRITE_TOKEN = "hf_fake_write";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, byte[]> lfs = new ConcurrentHashMap<>();
    private final AtomicInteger commitCounter = new AtomicInteger();

    /** Bytes to send of the next CDN download before cutting the connection; -1 for none. */
    volatile int cutNextDownloadAfter = -1;
    /** Flip a byte in the next CDN download (a corrupting proxy). */
    volatile boolean corruptNextDownload;
    /** Headers that replace what {@code /resolve/} answers, to play a hostile or broken server. */
    final Map<String, String> resolveHeaderOverrides = new ConcurrentHashMap<>();

    private static final class Repo {
        volatile boolean isPrivate;
        final Map<String, String> branches = new ConcurrentHashMap<>();
        final Map<String, Map<String, byte[]>> commits = new ConcurrentHashMap<>();
    }

    public FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public int requestCount() {
        return requests.get();
    }

    public List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    public void resetCounts() {
        requests.set(0);
        log.clear();
    }

    // --- content ---

    /** Commits {@code files} on top of {@code branch} (creating the repo); returns the commit hash. */
    String commit(String repoId, String branch, Map<String, byte[]> files) {
        Repo repo = repos.computeIfAbsent(repoId, k -> new Repo());
        Map<String, byte[]> tree = new LinkedHashMap<>();
        String parent = repo.branches.get(branch);
        if (parent != null) {
            tree.putAll(repo.commits.get(parent));
        }
        tree.putAll(files);
        String sha = hex(
                "SHA-1",
                (repoId + "/" + commitCounter.incrementAndGet() + "/" + tree.keySet())
                        .getBytes(StandardCharsets.UTF_8));
        repo.commits.put(sha, tree);
        repo.branches.put(branch, sha);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            if (isLfs(e.getKey())) {
                lfs.put(hex("SHA-256", e.getValue()), e.getValue());
            }
        }
        return sha;
    }

    /** Commits every file of a local folder (not recursive). */
    public String commitFolder(String repoId, Path folder, String... names) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String n : names) {
            files.put(n, Files.readAllBytes(folder.resolve(n)));
        }
        return commit(repoId, "main", files);
    }

    void setPrivate(String repoId, boolean isPrivate) {
        repos.get(repoId).isPrivate = isPrivate;
    }

    /** The files of a repo at a branch or commit, as stored. */
    public Map<String, byte[]> files(String repoId, String revision) {
        Repo repo = repos.get(repoId);
        return repo.commits.get(repo.branches.getOrDefault(revision, revision));
    }

    boolean hasRepo(String repoId) {
        return repos.containsKey(repoId);
    }

    /** LFS by extension, as a .gitattributes with *.safetensors and *.bin would say. */
    static boolean isLfs(String path) {
        return path.endsWith(".safetensors") || path.endsWith(".bin");
    }

    // --- routing ---

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        String range = ex.getRequestHeaders().getFirst("Range");
        log.add(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath() + (range == null ? "" : " " + range));
        try {
            String path = ex.getRequestURI().getRawPath();
            if (path.equals("/api/repos/create")) {
                createRepo(ex);
            } else if (path.startsWith("/api/models/") && path.contains("/preupload/")) {
                preupload(ex, path);
            } else if (path.startsWith("/api/models/") && path.contains("/commit/")) {
                commitApi(ex, path);
            } else if (path.endsWith(".git/info/lfs/objects/batch")) {
                lfsBatch(ex, path);
            } else if (path.startsWith("/lfs-upload/")) {
                lfsUpload(ex, path.substring("/lfs-upload/".length()));
            } else if (path.startsWith("/lfs-verify")) {
                send(ex, 200, "{}", Map.of());
            } else if (path.startsWith("/cdn/")) {
                cdn(ex, path.substring("/cdn/".length()));
            } else if (path.contains("/resolve/")) {
                resolve(ex, path);
            } else {
                send(ex, 404, "not found", Map.of());
            }
        } catch (CutConnection e) {
            throw new IOException("connection cut on purpose", e);
        } finally {
            ex.close();
        }
    }

    private static final class CutConnection extends RuntimeException {}

    private int auth(HttpExchange ex) {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null) {
            return 0;
        }
        String token = h.startsWith("Bearer ") ? h.substring(7) : "";
        if (token.equals(WRITE_TOKEN)) {
            return 2;
        }
        return token.equals(READ_TOKEN) ? 1 : -1;
    }

    // --- downloads ---

    private void resolve(HttpExchange ex, String rawPath) throws IOException {
        int at = rawPath.indexOf("/resolve/");
        String repoId = rawPath.substring(1, at);
        String rest = rawPath.substring(at + "/resolve/".length());
        int slash = rest.indexOf('/');
        String revision = decode(rest.substring(0, slash));
        String file = decode(rest.substring(slash + 1));
        Repo repo = repos.get(repoId);
        int auth = auth(ex);
        if (auth < 0) {
            send(ex, 401, "", Map.of("X-Error-Message", "Invalid credentials in Authorization header"));
            return;
        }
        if (repo != null && repo.isPrivate && auth == 0) {
            send(ex, 401, "", Map.of("X-Error-Code", "RepoNotFound", "X-Error-Message", "Repository not found"));
            return;
        }
        if (repo == null) {
            send(ex, 404, "", Map.of("X-Error-Code", "RepoNotFound", "X-Error-Message", "Repository not found"));
            return;
        }
        String commit = repo.branches.getOrDefault(revision, repo.commits.containsKey(revision) ? revision : null);
        if (commit == null) {
            send(
                    ex,
                    404,
                    "",
                    Map.of("X-Error-Code", "RevisionNotFound", "X-Error-Message", "Invalid rev id: " + revision));
            return;
        }
        byte[] content = repo.commits.get(commit).get(file);
        if (content == null) {
            send(
                    ex,
                    404,
                    "",
                    overridden(Map.of(
                            "X-Error-Code",
                            "EntryNotFound",
                            "X-Error-Message",
                            "Entry not found",
                            "X-Repo-Commit",
                            commit)));
            return;
        }
        if (isLfs(file)) {
            String sha = hex("SHA-256", content);
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Location", url() + "/cdn/" + sha);
            h.put("X-Repo-Commit", commit);
            h.put("X-Linked-Etag", "\"" + sha + "\"");
            h.put("X-Linked-Size", Long.toString(content.length));
            h.put(
                    "ETag",
                    "\""
                            + gitBlobSha(("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha + "\nsize "
                                            + content.length + "\n")
                                    .getBytes(StandardCharsets.UTF_8))
                            + "\"");
            send(ex, 302, "", overridden(h));
            return;
        }
        Map<String, String> h = Map.of("X-Repo-Commit", commit, "ETag", "\"" + gitBlobSha(content) + "\"");
        sendBytes(ex, 200, content, overridden(h));
    }

    private Map<String, String> overridden(Map<String, String> headers) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.putAll(resolveHeaderOverrides);
        return h;
    }

    private void cdn(HttpExchange ex, String sha) throws IOException {
        byte[] content = lfs.get(sha);
        if (content == null) {
            send(ex, 404, "no such object", Map.of());
            return;
        }
        if (corruptNextDownload && ex.getRequestMethod().equals("GET")) {
            corruptNextDownload = false;
            content = content.clone();
            content[content.length / 2] ^= 0x55;
        }
        String range = ex.getRequestHeaders().getFirst("Range");
        long from = 0;
        int status = 200;
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Long.parseLong(range.substring(6, range.length() - 1));
            if (from >= content.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
                send(ex, 416, "", Map.of());
                return;
            }
            status = 206;
            ex.getResponseHeaders()
                    .set("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
        }
        byte[] part = java.util.Arrays.copyOfRange(content, (int) from, content.length);
        ex.getResponseHeaders().set("ETag", "\"" + sha + "\"");
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        int cut = cutNextDownloadAfter;
        if (cut >= 0 && ex.getRequestMethod().equals("GET")) {
            cutNextDownloadAfter = -1;
            ex.sendResponseHeaders(status, part.length);
            OutputStream out = ex.getResponseBody();
            out.write(part, 0, Math.min(cut, part.length));
            out.flush();
            throw new CutConnection(); // the server drops the connection mid-body
        }
        sendBytes(ex, status, part, Map.of());
    }

    // --- uploads ---

    private boolean requireWrite(HttpExchange ex) throws IOException {
        int auth = auth(ex);
        if (auth <= 0) {
            send(ex, 401, "{\"error\":\"Invalid username or password.\"}", Map.of());
            return false;
        }
        if (auth == 1) {
            send(
                    ex,
                    403,
                    "{\"error\":\"You don't have the rights to write to this repo: your token is read-only\"}",
                    Map.of(
                            "X-Error-Message",
                            "You don't have the rights to write to this repo: your token is read-only"));
            return false;
        }
        return true;
    }

    private void createRepo(HttpExchange ex) throws IOException {
        if (!requireWrite(ex)) {
            return;
        }
        JsonNode body = JSON.readTree(ex.getRequestBody());
        String name = body.path("name").asText();
        String org = body.path("organization").asText(null);
        String id = org == null ? name : org + "/" + name;
        if (!"model".equals(body.path("type").asText("model"))) {
            send(ex, 400, "{\"error\":\"only models here\"}", Map.of());
            return;
        }
        if (repos.containsKey(id)) {
            send(
                    ex,
                    409,
                    "{\"error\":\"You already created this model repo\",\"url\":\"" + url() + "/" + id + "\"}",
                    Map.of());
            return;
        }
        Repo repo = new Repo();
        repo.isPrivate = body.path("private").asBoolean(false);
        repos.put(id, repo);
        commit(
                id,
                "main",
                Map.of(
                        ".gitattributes",
                        "*.safetensors filter=lfs diff=lfs merge=lfs -text\n".getBytes(StandardCharsets.UTF_8)));
        send(ex, 200, "{\"url\":\"" + url() + "/" + id + "\"}", Map.of());
    }

    private void preupload(HttpExchange ex, String path) throws IOException {
        if (!requireWrite(ex)) {
            return;
        }
        String repoId = path.substring("/api/models/".length(), path.indexOf("/preupload/"));
        if (!repos.containsKey(repoId)) {
            send(ex, 404, "{\"error\":\"Repository not found\"}", Map.of("X-Error-Code", "RepoNotFound"));
            return;
        }
        JsonNode body = JSON.readTree(ex.getRequestBody());
        ObjectNode answer = JSON.createObjectNode();
        var files = answer.putArray("files");
        for (JsonNode f : body.path("files")) {
            Base64.getDecoder().decode(f.path("sample").asText()); // must be valid base64
            files.addObject()
                    .put("path", f.path("path").asText())
                    .put("uploadMode", isLfs(f.path("path").asText()) ? "lfs" : "regular")
                    .put("shouldIgnore", false);
        }
        send(ex, 200, JSON.writeValueAsString(answer), Map.of());
    }

    private void lfsBatch(HttpExchange ex, String path) throws IOException {
        if (!requireWrite(ex)) {
            return;
        }
        JsonNode body = JSON.readTree(ex.getRequestBody());
        ObjectNode answer = JSON.createObjectNode().put("transfer", "basic");
        var objects = answer.putArray("objects");
        for (JsonNode o : body.path("objects")) {
            String oid = o.path("oid").asText();
            ObjectNode out = objects.addObject()
                    .put("oid", oid)
                    .put("size", o.path("size").asLong());
            if (!lfs.containsKey(oid)) {
                ObjectNode actions = out.putObject("actions");
                actions.putObject("upload")
                        .put("href", url() + "/lfs-upload/" + oid)
                        .putObject("header");
                actions.putObject("verify").put("href", url() + "/lfs-verify");
            }
        }
        send(ex, 200, JSON.writeValueAsString(answer), Map.of("Content-Type", "application/vnd.git-lfs+json"));
    }

    private void lfsUpload(HttpExchange ex, String oid) throws IOException {
        byte[] content = ex.getRequestBody().readAllBytes();
        if (!hex("SHA-256", content).equals(oid)) {
            send(ex, 400, "sha256 does not match the oid", Map.of());
            return;
        }
        lfs.put(oid, content);
        send(ex, 200, "", Map.of());
    }

    private void commitApi(HttpExchange ex, String path) throws IOException {
        if (!requireWrite(ex)) {
            return;
        }
        String repoId = path.substring("/api/models/".length(), path.indexOf("/commit/"));
        String branch = decode(path.substring(path.indexOf("/commit/") + "/commit/".length()));
        if (!repos.containsKey(repoId)) {
            send(ex, 404, "{\"error\":\"Repository not found\"}", Map.of("X-Error-Code", "RepoNotFound"));
            return;
        }
        String ndjson = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, byte[]> files = new LinkedHashMap<>();
        boolean header = false;
        for (String line : ndjson.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode op = JSON.readTree(line);
            JsonNode v = op.path("value");
            switch (op.path("key").asText()) {
                case "header":
                    header = !v.path("summary").asText().isEmpty();
                    break;
                case "file":
                    files.put(
                            v.path("path").asText(),
                            Base64.getDecoder().decode(v.path("content").asText()));
                    break;
                case "lfsFile":
                    byte[] content = lfs.get(v.path("oid").asText());
                    if (content == null || content.length != v.path("size").asLong()) {
                        send(
                                ex,
                                422,
                                "{\"error\":\"LFS object not uploaded: "
                                        + v.path("path").asText() + "\"}",
                                Map.of());
                        return;
                    }
                    files.put(v.path("path").asText(), content);
                    break;
                default:
                    send(ex, 400, "{\"error\":\"unknown key\"}", Map.of());
                    return;
            }
        }
        if (!header) {
            send(ex, 400, "{\"error\":\"missing header line with a summary\"}", Map.of());
            return;
        }
        String sha = commit(repoId, branch, files);
        send(
                ex,
                200,
                "{\"commitOid\":\"" + sha + "\",\"commitUrl\":\"" + url() + "/" + repoId + "/commit/" + sha + "\"}",
                Map.of());
    }

    // --- helpers ---

    private static void send(HttpExchange ex, int status, String body, Map<String, String> headers) throws IOException {
        sendBytes(ex, status, body.getBytes(StandardCharsets.UTF_8), headers);
    }

    private static void sendBytes(HttpExchange ex, int status, byte[] body, Map<String, String> headers)
            throws IOException {
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        if (ex.getRequestMethod().equals("HEAD")) {
            // The real Hub announces the size on HEAD too; the JDK server leaves the header to us.
            if (status == 200) {
                ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            }
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static String hex(String algorithm, byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** git's blob id: sha1 of "blob <size>\0" + content, the ETag of small files on the Hub. */
    static String gitBlobSha(byte[] content) {
        byte[] head = ("blob " + content.length + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + content.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(content, 0, all, head.length, content.length);
        return hex("SHA-1", all);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
