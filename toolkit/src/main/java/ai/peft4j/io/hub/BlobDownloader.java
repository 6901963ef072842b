package ai.peft4j.io.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Downloads one blob into the cache: into {@code <etag>.incomplete} first, resumed with {@code
 * Range} after a broken connection, checked against its size and (for LFS files) its SHA-256,
 * then renamed to {@code <etag>}. A reader therefore never sees a partial or corrupt blob.
 */
final class BlobDownloader {

    private final HubHttp http;
    private final int maxAttempts;
    private final long progressThreshold;

    BlobDownloader(HubHttp http, int maxAttempts, long progressThreshold) {
        this.http = http;
        this.maxAttempts = maxAttempts;
        this.progressThreshold = progressThreshold;
    }

    /**
     * Makes {@code blob} exist with the bytes at {@code url}; {@code lockFile} keeps another
     * process (or thread) from writing the same blob at the same time.
     */
    void download(FileMetadata meta, Path blob, Path incomplete, Path lockFile, String displayName) throws IOException {
        try (BlobLock lock = BlobLock.acquire(lockFile)) {
            if (Files.exists(blob)) {
                return; // another process finished it while we waited for the lock
            }
            Files.createDirectories(blob.getParent());
            IOException last = null;
            for (int attempt = 1; attempt <= maxAttempts; attempt++) {
                try {
                    fetch(meta, incomplete, displayName);
                    last = null;
                    break;
                } catch (IOException e) {
                    // A broken connection: keep the bytes we have and ask for the rest.
                    last = e;
                }
            }
            if (last != null) {
                throw last;
            }
            verify(meta, incomplete, displayName);
            HubCache.moveReplacing(incomplete, blob);
        }
    }

    private void fetch(FileMetadata meta, Path incomplete, String displayName) throws IOException {
        long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
        if (meta.size() >= 0 && have > meta.size()) {
            Files.delete(incomplete); // longer than the file: not ours to resume
            have = 0;
        }
        if (meta.size() >= 0 && have == meta.size() && have > 0) {
            return; // complete already; verify() decides whether it is right
        }
        HttpResponse<InputStream> response = http.get(meta.location(), have);
        int status = response.statusCode();
        boolean append;
        if (status == 206) {
            append = true;
        } else if (status == 200) {
            append = false; // the server ignored Range: start over
            have = 0;
        } else {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
            }
            if (status == 416) {
                Files.deleteIfExists(incomplete); // our partial file does not match the server's
                throw new IOException("range not satisfiable for " + displayName + "; restarting");
            }
            throw HubErrors.of(status, response.headers(), body, "download " + displayName, http.endpoint(), null);
        }
        try (InputStream in = response.body();
                OutputStream out = Files.newOutputStream(
                        incomplete,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
                DownloadProgress progress = DownloadProgress.start(displayName, meta.size(), have, progressThreshold)) {
            byte[] buffer = new byte[1 << 16];
            long written = have;
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
                written += n;
                progress.stepTo(written);
            }
        }
        long got = Files.size(incomplete);
        if (meta.size() >= 0 && got < meta.size()) {
            throw new IOException("connection closed after " + got + " of " + meta.size() + " bytes of " + displayName);
        }
    }

    /** Size and SHA-256 checks; a bad file is deleted so the next try starts clean. */
    private static void verify(FileMetadata meta, Path file, String displayName) throws IOException {
        long size = Files.size(file);
        if (meta.size() >= 0 && size != meta.size()) {
            Files.deleteIfExists(file);
            throw new HubException("downloaded " + size + " bytes of " + displayName + " but the Hub" + " announced "
                    + meta.size() + "; the partial file was deleted, please retry");
        }
        if (meta.isSha256()) {
            String actual = sha256(file);
            if (!actual.equals(meta.etag())) {
                Files.deleteIfExists(file);
                throw new HubException("checksum mismatch for " + displayName + ": expected sha256 "
                        + meta.etag() + ", got " + actual + ". The download was corrupted (proxy, disk or"
                        + " network); it was deleted, please retry");
            }
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest = newSha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
