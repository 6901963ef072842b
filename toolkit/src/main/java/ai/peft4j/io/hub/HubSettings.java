package ai.peft4j.io.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Where the Hub is, who we are and where files go, read the way {@code huggingface_hub} reads
 * them: {@code HF_ENDPOINT} (default {@code https://huggingface.co}), {@code HF_HOME} (default
 * {@code ~/.cache/huggingface}), {@code HF_HUB_CACHE} (default {@code $HF_HOME/hub}), {@code
 * HF_HUB_OFFLINE}, and the token from {@code HF_TOKEN} or the file {@code $HF_HOME/token}.
 *
 * <pre>{@code
 * HubSettings s = HubSettings.fromEnvironment(System::getenv);
 * System.out.println(s.endpoint() + " " + s.cacheDir() + " offline=" + s.offline());
 * }</pre>
 *
 * @param endpoint the Hub's base URL, without a trailing slash
 * @param token the access token, or null for anonymous access
 * @param cacheDir the hub cache, shared with Python
 * @param offline true to never send a request and answer from the cache only
 */
public record HubSettings(String endpoint, String token, Path cacheDir, boolean offline) {

    /** The public Hub. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    // huggingface_hub's truthy spellings for boolean environment variables.
    private static final Set<String> TRUE_VALUES = Set.of("1", "ON", "YES", "TRUE");

    public HubSettings {
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalArgumentException("the Hub endpoint is empty; set HF_ENDPOINT or leave it unset");
        }
        while (endpoint.endsWith("/")) {
            endpoint = endpoint.substring(0, endpoint.length() - 1);
        }
        if (token != null && token.isBlank()) {
            token = null;
        }
        if (cacheDir == null) {
            throw new IllegalArgumentException(
                    "the Hub cache folder is null; set HF_HUB_CACHE or HF_HOME, or leave them unset");
        }
    }

    /**
     * Reads the settings from {@code env} (pass {@code System::getenv}, or a map's {@code get} in
     * tests). A Java system property of the same name (e.g. {@code -DHF_HUB_OFFLINE=1}) wins over
     * the variable, so the settings can be changed without touching the process environment.
     */
    public static HubSettings fromEnvironment(Function<String, String> env) {
        Function<String, String> lookup = name -> {
            String property = System.getProperty(name);
            return property != null ? property : env.apply(name);
        };
        String endpoint = orDefault(lookup.apply("HF_ENDPOINT"), DEFAULT_ENDPOINT);
        Path home = Path.of(orDefault(
                lookup.apply("HF_HOME"),
                Path.of(System.getProperty("user.home"), ".cache", "huggingface")
                        .toString()));
        Path cache = Path.of(
                orDefault(lookup.apply("HF_HUB_CACHE"), home.resolve("hub").toString()));
        String offline = lookup.apply("HF_HUB_OFFLINE");
        boolean isOffline =
                offline != null && TRUE_VALUES.contains(offline.trim().toUpperCase(Locale.ROOT));
        String token = lookup.apply("HF_TOKEN");
        if (token == null || token.isBlank()) {
            token = readTokenFile(Path.of(orDefault(
                    lookup.apply("HF_TOKEN_PATH"), home.resolve("token").toString())));
        }
        return new HubSettings(endpoint, token == null ? null : token.trim(), cache, isOffline);
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    /** The token {@code huggingface-cli login} saved, or null when there is none. */
    private static String readTokenFile(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            String token = Files.readString(file, StandardCharsets.UTF_8).trim();
            return token.isEmpty() ? null : token;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Hub token file " + file, e);
        }
    }

    /** A copy with another endpoint. */
    public HubSettings withEndpoint(String value) {
        return new HubSettings(value, token, cacheDir, offline);
    }

    /** A copy with another token (null for anonymous access). */
    public HubSettings withToken(String value) {
        return new HubSettings(endpoint, value, cacheDir, offline);
    }

    /** A copy with another cache folder. */
    public HubSettings withCacheDir(Path value) {
        return new HubSettings(endpoint, token, value, offline);
    }

    /** A copy with another offline flag. */
    public HubSettings withOffline(boolean value) {
        return new HubSettings(endpoint, token, cacheDir, value);
    }

    /** Hides the token so that settings can be logged. */
    @Override
    public String toString() {
        return "HubSettings[endpoint=" + endpoint + ", token=" + (token == null ? "none" : "***") + ", cacheDir="
                + cacheDir + ", offline=" + offline + "]";
    }
}
