package ai.peft4j.kernel.magic;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where {@code %maven} and {@code %%loadFromPOM} look for artifacts.
 *
 * <p>{@link #fromEnvironment()} reads, first match wins:
 *
 * <ul>
 *   <li>local repository: system property {@code peft4j.maven.localRepository}, environment
 *       variable {@code PEFT4J_MAVEN_LOCAL_REPOSITORY}, system property {@code maven.repo.local},
 *       {@code <localRepository>} in {@code ~/.m2/settings.xml}, else {@code ~/.m2/repository};
 *   <li>remote repositories: {@code peft4j.maven.repositories} / {@code
 *       PEFT4J_MAVEN_REPOSITORIES}, a comma-separated list of {@code id=url} (empty: none), else
 *       Maven Central;
 *   <li>offline: {@code peft4j.maven.offline} / {@code PEFT4J_MAVEN_OFFLINE} set to {@code true}.
 * </ul>
 *
 * <p>Even online, release artifacts already in the local repository are used without the
 * network.
 *
 * @param localRepository the local repository folder (created on first download)
 * @param repositories remote repositories, in search order
 * @param offline never use the network
 */
public record MavenConfig(Path localRepository, List<Repository> repositories, boolean offline) {

    /** Maven Central, the default remote repository. */
    public static final Repository CENTRAL = new Repository("central", "https://repo.maven.apache.org/maven2/");

    /** A remote repository: an id (as in a POM) and a URL ({@code https:} or {@code file:}). */
    public record Repository(String id, String url) {
        public Repository {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(url, "url");
        }
    }

    public MavenConfig {
        Objects.requireNonNull(localRepository, "localRepository");
        repositories = List.copyOf(repositories);
    }

    /** The configuration from system properties, environment and {@code ~/.m2/settings.xml}. */
    public static MavenConfig fromEnvironment() {
        Path home = Path.of(System.getProperty("user.home"));
        String local = setting("peft4j.maven.localRepository", "PEFT4J_MAVEN_LOCAL_REPOSITORY");
        if (local == null) {
            local = System.getProperty("maven.repo.local");
        }
        if (local == null) {
            local = settingsLocalRepository(home.resolve(".m2/settings.xml"));
        }
        Path localRepo = local == null ? home.resolve(".m2/repository") : Path.of(local);
        String repos = setting("peft4j.maven.repositories", "PEFT4J_MAVEN_REPOSITORIES");
        List<Repository> remotes = repos == null ? List.of(CENTRAL) : parseRepositories(repos);
        boolean offline = Boolean.parseBoolean(setting("peft4j.maven.offline", "PEFT4J_MAVEN_OFFLINE"));
        return new MavenConfig(localRepo, remotes, offline);
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        return v != null ? v : System.getenv(env);
    }

    /** {@code id=url,id=url}; a bare URL gets the id {@code repo1}, {@code repo2}... */
    static List<Repository> parseRepositories(String spec) {
        List<Repository> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq > 0 && !p.substring(0, eq).contains(":")) {
                out.add(new Repository(
                        p.substring(0, eq).strip(), p.substring(eq + 1).strip()));
            } else {
                out.add(new Repository("repo" + (out.size() + 1), p));
            }
        }
        return out;
    }

    private static final Pattern LOCAL_REPOSITORY =
            Pattern.compile("<localRepository>\\s*([^<]+?)\\s*</localRepository>");

    private static String settingsLocalRepository(Path settings) {
        try {
            if (!Files.isRegularFile(settings)) {
                return null;
            }
            String xml = Files.readString(settings).replaceAll("(?s)<!--.*?-->", "");
            Matcher m = LOCAL_REPOSITORY.matcher(xml);
            if (!m.find()) {
                return null;
            }
            return m.group(1).replace("${user.home}", System.getProperty("user.home"));
        } catch (Exception e) {
            return null; // an unreadable settings file is Maven's business, not ours
        }
    }
}
