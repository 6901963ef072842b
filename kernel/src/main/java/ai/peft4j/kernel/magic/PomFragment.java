package ai.peft4j.kernel.magic;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.graph.Exclusion;
import org.eclipse.aether.util.artifact.JavaScopes;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The body of a {@code %%loadFromPOM} cell: a whole {@code <project>} or loose pieces of one
 * ({@code <dependencies>}, {@code <dependency>}, {@code <repositories>}, {@code <repository>},
 * {@code <properties>}, {@code <dependencyManagement>}), as IJava accepts.
 *
 * <p>Read: dependencies (group, artifact, version, type, classifier, scope, exclusions), with
 * {@code ${property}} from the fragment's {@code <properties>} and versions from its {@code
 * <dependencyManagement>}; repositories (id, url). Not read: parent POMs, imported BOMs, profiles.
 * Dependencies in {@code test} or {@code provided} scope are skipped, as at run time.
 */
record PomFragment(List<Dependency> dependencies, List<MavenConfig.Repository> repositories) {

    private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");

    /** @throws MagicException when the body is not XML or a dependency lacks coordinates */
    static PomFragment parse(String body) {
        Element root;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new org.xml.sax.helpers.DefaultHandler()); // throws, prints nothing
            String xml = body.strip().replaceFirst("^<\\?xml[^>]*\\?>", "");
            root = b.parse(new InputSource(new StringReader("<peft4j-pom>" + xml + "</peft4j-pom>")))
                    .getDocumentElement();
        } catch (Exception e) {
            String why = String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
            throw new MagicException("%%loadFromPOM: the cell is not well-formed XML: " + why);
        }
        Element project = only(root, "project");
        Element top = project != null ? project : root;

        Map<String, String> props = new HashMap<>();
        for (Element p : children(top, "properties")) {
            for (Element prop : children(p, null)) {
                props.put(prop.getTagName(), prop.getTextContent().strip());
            }
        }
        Map<String, String> managed = new HashMap<>();
        for (Element dm : children(top, "dependencyManagement")) {
            for (Element deps : children(dm, "dependencies")) {
                for (Element d : children(deps, "dependency")) {
                    String v = text(d, "version", props);
                    if (v != null) {
                        managed.put(text(d, "groupId", props) + ":" + text(d, "artifactId", props), v);
                    }
                }
            }
        }

        List<Element> depElements = new ArrayList<>(children(top, "dependency"));
        for (Element deps : children(top, "dependencies")) {
            depElements.addAll(children(deps, "dependency"));
        }
        List<Dependency> dependencies = new ArrayList<>();
        for (Element d : depElements) {
            String group = text(d, "groupId", props);
            String artifact = text(d, "artifactId", props);
            if (group == null || artifact == null) {
                throw new MagicException("%%loadFromPOM: a <dependency> needs <groupId> and <artifactId>");
            }
            String version = text(d, "version", props);
            if (version == null) {
                version = managed.get(group + ":" + artifact);
            }
            if (version == null) {
                throw new MagicException("%%loadFromPOM: " + group + ":" + artifact
                        + " has no <version> (parent POMs and BOMs are not read)");
            }
            String scope = text(d, "scope", props);
            if (scope != null && (scope.equals(JavaScopes.TEST) || scope.equals(JavaScopes.PROVIDED))) {
                continue;
            }
            String type = text(d, "type", props);
            String classifier = text(d, "classifier", props);
            List<Exclusion> exclusions = new ArrayList<>();
            for (Element ex : children(d, "exclusions")) {
                for (Element e : children(ex, "exclusion")) {
                    exclusions.add(new Exclusion(text(e, "groupId", props), text(e, "artifactId", props), "*", "*"));
                }
            }
            dependencies.add(new Dependency(
                    new DefaultArtifact(
                            group,
                            artifact,
                            classifier == null ? "" : classifier,
                            type == null ? "jar" : type,
                            version),
                    JavaScopes.RUNTIME,
                    false,
                    exclusions));
        }

        List<Element> repoElements = new ArrayList<>(children(top, "repository"));
        for (Element repos : children(top, "repositories")) {
            repoElements.addAll(children(repos, "repository"));
        }
        List<MavenConfig.Repository> repositories = new ArrayList<>();
        for (Element r : repoElements) {
            String url = text(r, "url", props);
            if (url == null) {
                throw new MagicException("%%loadFromPOM: a <repository> needs a <url>");
            }
            String id = text(r, "id", props);
            repositories.add(new MavenConfig.Repository(id == null ? "repo" + (repositories.size() + 1) : id, url));
        }
        if (dependencies.isEmpty() && repositories.isEmpty()) {
            throw new MagicException("%%loadFromPOM: no <dependency> or <repository> in the cell");
        }
        return new PomFragment(dependencies, repositories);
    }

    private static Element only(Element parent, String name) {
        List<Element> all = children(parent, null);
        return all.size() == 1 && all.get(0).getTagName().equals(name) ? all.get(0) : null;
    }

    /** Child elements named {@code name} ({@code null}: all). */
    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node n = nodes.item(i);
            if (n instanceof Element e && (name == null || e.getTagName().equals(name))) {
                out.add(e);
            }
        }
        return out;
    }

    private static String text(Element parent, String name, Map<String, String> props) {
        for (Element e : children(parent, name)) {
            String raw = e.getTextContent().strip();
            Matcher m = PROPERTY.matcher(raw);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String v = props.getOrDefault(m.group(1), System.getProperty(m.group(1), m.group()));
                m.appendReplacement(sb, Matcher.quoteReplacement(v));
            }
            m.appendTail(sb);
            String s = sb.toString();
            return s.isEmpty() ? null : s;
        }
        return null;
    }
}
