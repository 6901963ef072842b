package ai.peft4j.kernel.magic;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.maven.repository.internal.MavenRepositorySystemUtils;
import org.eclipse.aether.ConfigurationProperties;
import org.eclipse.aether.DefaultRepositorySystemSession;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.artifact.Artifact;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.collection.DependencyCollectionContext;
import org.eclipse.aether.collection.DependencySelector;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.repository.LocalRepository;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.ArtifactResult;
import org.eclipse.aether.resolution.DependencyRequest;
import org.eclipse.aether.resolution.DependencyResult;
import org.eclipse.aether.supplier.RepositorySystemSupplier;
import org.eclipse.aether.util.artifact.JavaScopes;
import org.eclipse.aether.util.filter.DependencyFilterUtils;
import org.eclipse.aether.util.graph.selector.AndDependencySelector;

/**
 * Resolves Maven artifacts with their runtime dependencies (Maven Resolver 1.9, as Maven 3.9
 * does) to jar files in the local repository, downloading what is missing.
 *
 * <p>The local repository is read the "simple" way: an artifact file that is there is used,
 * whichever repository it came from, so whatever Maven already downloaded works offline.
 */
final class MavenResolver {
    /**
     * What a resolution added.
     *
     * @param jars the jars to put on the class path
     * @param alreadyThere notes on requested artifacts the kernel's class path already holds
     */
    record Resolution(List<Path> jars, List<String> alreadyThere) {}

    private final MavenConfig config;
    private final Supplier<Map<String, String>> onClassPathSource;
    private final Map<String, MavenConfig.Repository> added = new LinkedHashMap<>();
    private Map<String, String> onClassPath;
    private RepositorySystem system;

    /**
     * @param onClassPath {@code group:artifact -> version} of what the kernel already loads (see
     *     {@link ClassPathArtifacts}); these are neither resolved nor added again
     */
    MavenResolver(MavenConfig config, Supplier<Map<String, String>> onClassPath) {
        this.config = config;
        this.onClassPathSource = onClassPath;
    }

    /** Adds a remote repository for the rest of the session ({@code %mavenRepo id url}). */
    synchronized void addRepository(MavenConfig.Repository repo) {
        added.put(repo.id(), repo);
    }

    /** {@code group:artifact[:extension[:classifier]]:version}, as IJava and Maven Resolver read it. */
    static Dependency parseCoordinates(String coords) {
        try {
            return new Dependency(new DefaultArtifact(coords), JavaScopes.RUNTIME);
        } catch (IllegalArgumentException e) {
            throw new MagicException("%maven: bad coordinates " + coords
                    + ": expected group:artifact:version (or group:artifact:extension[:classifier]:version)");
        }
    }

    /**
     * The jars of {@code dependencies} and of everything they need at run time.
     *
     * @param extraRepositories repositories to search besides the configured ones (from a POM)
     * @throws MagicException in one line, when something does not resolve
     */
    synchronized Resolution resolve(List<Dependency> dependencies, List<MavenConfig.Repository> extraRepositories) {
        if (onClassPath == null) {
            onClassPath = Map.copyOf(onClassPathSource.get());
        }
        List<String> notes = new ArrayList<>();
        List<Dependency> wanted = new ArrayList<>();
        for (Dependency d : dependencies) {
            Artifact a = d.getArtifact();
            String have = onClassPath.get(a.getGroupId() + ":" + a.getArtifactId());
            if (have == null) {
                wanted.add(d);
            } else {
                notes.add(a.getGroupId() + ":" + a.getArtifactId() + " " + have
                        + " is already on the kernel's class path"
                        + (have.equals(a.getVersion()) ? "" : "; it is used instead of " + a.getVersion()));
            }
        }
        if (wanted.isEmpty()) {
            return new Resolution(List.of(), notes);
        }
        dependencies = wanted;
        if (system == null) {
            system = new RepositorySystemSupplier().get();
        }
        DefaultRepositorySystemSession session = MavenRepositorySystemUtils.newSession();
        LocalRepository local = new LocalRepository(config.localRepository().toFile(), "simple");
        session.setLocalRepositoryManager(system.newLocalRepositoryManager(session, local));
        session.setOffline(config.offline());
        session.setSystemProperties(System.getProperties()); // profile activation in POMs
        session.setConfigProperty(ConfigurationProperties.CONNECT_TIMEOUT, 10_000);
        session.setConfigProperty(ConfigurationProperties.REQUEST_TIMEOUT, 60_000);
        // what the kernel already loads is not resolved again, nor is anything below it
        session.setDependencySelector(
                new AndDependencySelector(session.getDependencySelector(), new NotOnClassPath(onClassPath)));

        Map<String, MavenConfig.Repository> repos = new LinkedHashMap<>();
        for (MavenConfig.Repository r : config.repositories()) {
            repos.put(r.id(), r);
        }
        repos.putAll(added);
        for (MavenConfig.Repository r : extraRepositories) {
            repos.putIfAbsent(r.id(), r);
        }
        List<RemoteRepository> remotes = new ArrayList<>();
        for (MavenConfig.Repository r : repos.values()) {
            remotes.add(new RemoteRepository.Builder(r.id(), "default", r.url()).build());
        }

        CollectRequest collect = new CollectRequest();
        collect.setDependencies(dependencies);
        collect.setRepositories(system.newResolutionRepositories(session, remotes));
        DependencyRequest request =
                new DependencyRequest(collect, DependencyFilterUtils.classpathFilter(JavaScopes.RUNTIME));
        DependencyResult result;
        try {
            result = system.resolveDependencies(session, request);
        } catch (Exception e) {
            throw new MagicException(describeFailure(dependencies, e, config.offline()), e);
        }
        List<Path> jars = new ArrayList<>();
        for (ArtifactResult r : result.getArtifactResults()) {
            Artifact a = r.getArtifact();
            if (a != null && a.getFile() != null && !"pom".equals(a.getExtension())) {
                jars.add(a.getFile().toPath());
            }
        }
        return new Resolution(jars, notes);
    }

    /** Leaves out dependencies (and their subtrees) that the kernel's class path already holds. */
    private record NotOnClassPath(Map<String, String> onClassPath) implements DependencySelector {
        @Override
        public boolean selectDependency(Dependency d) {
            Artifact a = d.getArtifact();
            return !onClassPath.containsKey(a.getGroupId() + ":" + a.getArtifactId());
        }

        @Override
        public DependencySelector deriveChildSelector(DependencyCollectionContext context) {
            return this;
        }
    }

    /** One line: what failed, and the innermost reason Maven Resolver gave. */
    private static String describeFailure(List<Dependency> deps, Throwable e, boolean offline) {
        List<String> names = new ArrayList<>();
        for (Dependency d : deps) {
            names.add(d.getArtifact().toString());
        }
        String reason = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                reason = t instanceof java.net.UnknownHostException
                        ? "unknown host " + t.getMessage() + " (no network?)"
                        : t.getMessage();
            }
        }
        String line = "cannot resolve " + String.join(", ", names) + ": " + (reason == null ? e.toString() : reason);
        line = line.replaceAll("\\s+", " ").strip();
        if (line.length() > 400) {
            line = line.substring(0, 400) + "...";
        }
        return line + (offline ? " (offline: only the local repository was searched)" : "");
    }
}
