package ai.peft4j.io.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

/**
 * Makes one commit through the Hub's commit API, without git:
 *
 * <ol>
 *   <li>{@code POST /api/models/{repo}/preupload/{revision}}: the Hub says which files go to LFS;
 *   <li>{@code POST /{repo}.git/info/lfs/objects/batch}, then {@code PUT} each LFS file to the
 *       URL it returns (skipped for content the Hub already has);
 *   <li>{@code POST /api/models/{repo}/commit/{revision}} with NDJSON: a header, small files
 *       inline as base64, LFS files as pointers (sha256 and size).
 * </ol>
 */
final class CommitUploader {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LFS_JSON = "application/vnd.git-lfs+json";

    private final HubHttp http;

    CommitUploader(HubHttp http) {
        this.http = http;
    }

    /** A file to upload and what the Hub needs to know about it beforehand. */
    private record Upload(String pathInRepo, Path file, long size, String sha256, byte[] sample) {}

    CommitInfo commit(RepoId repo, String revision, Map<String, Path> files, String summary) throws IOException {
        List<Upload> uploads = new ArrayList<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            uploads.add(describe(e.getKey(), e.getValue()));
        }
        Map<String, String> modes = preupload(repo, revision, uploads);
        List<Upload> lfs = new ArrayList<>();
        for (Upload u : uploads) {
            if ("lfs".equals(modes.get(u.pathInRepo()))) {
                lfs.add(u);
            }
        }
        if (!lfs.isEmpty()) {
            uploadLfs(repo, revision, lfs);
        }
        return createCommit(repo, revision, uploads, modes, summary);
    }

    private static Upload describe(String pathInRepo, Path file) throws IOException {
        MessageDigest digest = BlobDownloader.newSha256();
        byte[] sample;
        try (InputStream in = Files.newInputStream(file)) {
            sample = in.readNBytes(512); // the Hub guesses text vs binary from the first 512 bytes
            digest.update(sample);
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return new Upload(pathInRepo, file, Files.size(file), HexFormat.of().formatHex(digest.digest()), sample);
    }

    private Map<String, String> preupload(RepoId repo, String revision, List<Upload> uploads) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("files");
        for (Upload u : uploads) {
            list.addObject()
                    .put("path", u.pathInRepo())
                    .put("sample", Base64.getEncoder().encodeToString(u.sample()))
                    .put("size", u.size())
                    .put("sha", u.sha256());
        }
        JsonNode answer = postJson(
                http.apiUrl("/api/models/" + repo + "/preupload/" + HubHttp.encode(revision)),
                body,
                "application/json",
                "prepare the upload to " + repo,
                repo);
        Map<String, String> modes = new LinkedHashMap<>();
        for (JsonNode f : answer.path("files")) {
            modes.put(f.path("path").asText(), f.path("uploadMode").asText("regular"));
        }
        return modes;
    }

    private void uploadLfs(RepoId repo, String revision, List<Upload> lfs) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("operation", "upload");
        body.putArray("transfers").add("basic");
        body.put("hash_algo", "sha256");
        body.putObject("ref").put("name", revision);
        ArrayNode objects = body.putArray("objects");
        for (Upload u : lfs) {
            objects.addObject().put("oid", u.sha256()).put("size", u.size());
        }
        JsonNode answer = postJson(
                URI.create(http.endpoint() + "/" + repo + ".git/info/lfs/objects/batch"),
                body,
                LFS_JSON,
                "start the LFS upload to " + repo,
                repo);
        Map<String, Upload> byOid = new LinkedHashMap<>();
        lfs.forEach(u -> byOid.put(u.sha256(), u));
        for (JsonNode object : answer.path("objects")) {
            Upload u = byOid.get(object.path("oid").asText());
            if (u == null) {
                continue;
            }
            if (object.has("error")) {
                throw new HubException("the Hub refused the LFS upload of " + u.pathInRepo() + ": "
                        + object.path("error")
                                .path("message")
                                .asText(object.path("error").toString()));
            }
            JsonNode upload = object.path("actions").path("upload");
            if (upload.isMissingNode()) {
                continue; // the Hub already stores these bytes
            }
            if (upload.path("header").has("chunk_size")) {
                throw new HubException(u.pathInRepo() + " (" + u.size() + " bytes) needs a multipart LFS"
                        + " upload, which peft4j does not do yet; upload it with huggingface_hub in Python");
            }
            put(u, upload);
            JsonNode verify = object.path("actions").path("verify");
            if (!verify.isMissingNode()) {
                ObjectNode v = JSON.createObjectNode().put("oid", u.sha256()).put("size", u.size());
                postJson(
                        HubHttp.serverUrl(null, verify.path("href").asText(), "verify the upload of " + u.pathInRepo()),
                        v,
                        LFS_JSON,
                        "verify the upload of " + u.pathInRepo(),
                        repo);
            }
        }
    }

    private void put(Upload u, JsonNode action) throws IOException {
        String what = "upload " + u.pathInRepo() + " to LFS storage";
        HttpRequest.Builder b = http.request(
                        HubHttp.serverUrl(null, action.path("href").asText(), what))
                .PUT(HttpRequest.BodyPublishers.ofFile(u.file()));
        try {
            action.path("header")
                    .fields()
                    .forEachRemaining(h -> b.header(h.getKey(), h.getValue().asText()));
        } catch (IllegalArgumentException e) {
            throw new HubException(
                    "cannot " + what + ": the Hub asked for a header the client may not send (" + e.getMessage() + ")",
                    e);
        }
        HttpResponse<String> r = http.sendForText(b.build());
        if (r.statusCode() / 100 != 2) {
            throw HubErrors.of(
                    r.statusCode(),
                    r.headers(),
                    r.body(),
                    "upload " + u.pathInRepo() + " to LFS storage",
                    http.endpoint(),
                    null);
        }
    }

    private CommitInfo createCommit(
            RepoId repo, String revision, List<Upload> uploads, Map<String, String> modes, String summary)
            throws IOException {
        StringBuilder ndjson = new StringBuilder();
        ObjectNode header = JSON.createObjectNode().put("key", "header");
        header.putObject("value").put("summary", summary).put("description", "");
        ndjson.append(JSON.writeValueAsString(header)).append('\n');
        for (Upload u : uploads) {
            ObjectNode line = JSON.createObjectNode();
            if ("lfs".equals(modes.get(u.pathInRepo()))) {
                line.put("key", "lfsFile")
                        .putObject("value")
                        .put("path", u.pathInRepo())
                        .put("algo", "sha256")
                        .put("oid", u.sha256())
                        .put("size", u.size());
            } else {
                line.put("key", "file")
                        .putObject("value")
                        .put("content", Base64.getEncoder().encodeToString(Files.readAllBytes(u.file())))
                        .put("path", u.pathInRepo())
                        .put("encoding", "base64");
            }
            ndjson.append(JSON.writeValueAsString(line)).append('\n');
        }
        HttpRequest request = http.request(http.apiUrl("/api/models/" + repo + "/commit/" + HubHttp.encode(revision)))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson.toString(), StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> r = http.sendForText(request);
        if (r.statusCode() / 100 != 2) {
            throw HubErrors.of(
                    r.statusCode(),
                    r.headers(),
                    r.body(),
                    "commit to " + repo + " at " + revision,
                    http.endpoint(),
                    repo);
        }
        JsonNode answer = JSON.readTree(r.body());
        return new CommitInfo(
                answer.path("commitOid").asText(null), answer.path("commitUrl").asText(null));
    }

    private JsonNode postJson(URI url, JsonNode body, String contentType, String action, RepoId repo)
            throws IOException {
        HttpRequest request = http.request(url)
                .header("Content-Type", contentType)
                .header("Accept", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> r = http.sendForText(request);
        if (r.statusCode() / 100 != 2) {
            throw HubErrors.of(r.statusCode(), r.headers(), r.body(), action, http.endpoint(), repo);
        }
        return r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }
}
