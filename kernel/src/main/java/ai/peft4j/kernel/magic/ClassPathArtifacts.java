package ai.peft4j.kernel.magic;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.helpers.DefaultHandler;

/**
 * The Maven artifacts already on a class path, as {@code group:artifact -> version}: from the
 * {@code META-INF/maven/.../pom.properties} a jar carries (one per library in the kernel's shaded
 * jar), else from the POM beside a jar in a local repository.
 *
 * <p>{@code %maven} leaves these out: the kernel's class loader would load its own copy first
 * anyway, and their dependency trees (with their POMs' mistakes, such as PDFBox 3.0.1's
 * compile-scope JUnit) need not resolve again.
 */
final class ClassPathArtifacts {
    private ClassPathArtifacts() {}

    static Map<String, String> scan(String classPath) {
        Map<String, String> found = new HashMap<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(p) && !fromPomProperties(p, found)) {
                fromPomBeside(p, found);
            }
        }
        return found;
    }

    private static boolean fromPomProperties(Path jar, Map<String, String> found) {
        boolean any = false;
        try (JarFile jf = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> entries = jf.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                String name = e.getName();
                if (name.startsWith("META-INF/maven/") && name.endsWith("/pom.properties")) {
                    Properties props = new Properties();
                    try (InputStream in = jf.getInputStream(e)) {
                        props.load(in);
                    }
                    String g = props.getProperty("groupId");
                    String a = props.getProperty("artifactId");
                    String v = props.getProperty("version");
                    if (g != null && a != null && v != null) {
                        found.putIfAbsent(g + ":" + a, v);
                        any = true;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not a readable jar: nothing to learn from it
        }
        return any;
    }

    /** {@code .../xchart/3.8.8/xchart-3.8.8.jar} with {@code xchart-3.8.8.pom} beside it. */
    private static void fromPomBeside(Path jar, Map<String, String> found) {
        Path versionDir = jar.getParent();
        if (versionDir == null || versionDir.getParent() == null) {
            return;
        }
        String version = versionDir.getFileName().toString();
        String artifact = versionDir.getParent().getFileName().toString();
        Path pom = versionDir.resolve(artifact + "-" + version + ".pom");
        if (!jar.getFileName().toString().startsWith(artifact + "-" + version) || !Files.isRegularFile(pom)) {
            return;
        }
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new DefaultHandler());
            Element project = b.parse(pom.toFile()).getDocumentElement();
            String group = childText(project, "groupId"); // the project's own, else its parent's
            if (group == null) {
                Element parent = child(project, "parent");
                group = parent == null ? null : childText(parent, "groupId");
            }
            if (group != null) {
                found.putIfAbsent(group + ":" + artifact, version);
            }
        } catch (Exception e) {
            // unreadable POM: treat the jar as unknown
        }
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static String childText(Element parent, String name) {
        Element e = child(parent, name);
        return e == null || e.getTextContent().isBlank()
                ? null
                : e.getTextContent().strip();
    }
}
