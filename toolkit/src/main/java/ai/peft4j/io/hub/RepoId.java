package ai.peft4j.io.hub;

import java.util.regex.Pattern;

/**
 * A model repository id, {@code org/name} or a bare {@code name}, checked with the Hub's rules.
 *
 * <pre>{@code
 * RepoId id = RepoId.parse("facebook/opt-125m");
 * id.folderName();   // "models--facebook--opt-125m", the cache folder Python uses too
 * }</pre>
 *
 * @param namespace the user or organization, or null for a bare name
 * @param name the repository name
 */
public record RepoId(String namespace, String name) {

    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_.\\-]+");
    private static final int MAX_LENGTH = 96;

    public RepoId {
        check(name, namespace == null ? name : namespace + "/" + name);
        if (namespace != null) {
            check(namespace, namespace + "/" + name);
        }
    }

    /** Parses {@code org/name} or {@code name}; the error says what a valid id looks like. */
    public static RepoId parse(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a repo id is empty; expected 'org/name' or 'name'");
        }
        int slash = id.indexOf('/');
        if (slash < 0) {
            return new RepoId(null, id);
        }
        if (id.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException(invalid(id, "it has more than one '/'"));
        }
        return new RepoId(id.substring(0, slash), id.substring(slash + 1));
    }

    /** True when {@code id} is a well-formed repo id; nothing is asked of the Hub. */
    public static boolean isValid(String id) {
        try {
            parse(id);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void check(String part, String whole) {
        if (part == null || part.isEmpty()) {
            throw new IllegalArgumentException(invalid(whole, "a part is empty"));
        }
        if (!PART.matcher(part).matches()) {
            throw new IllegalArgumentException(invalid(whole, "only letters, digits, '-', '_' and '.' are allowed"));
        }
        if (part.contains("--") || part.contains("..")) {
            throw new IllegalArgumentException(invalid(whole, "'--' and '..' are not allowed"));
        }
        if (part.startsWith("-") || part.startsWith(".") || part.endsWith("-") || part.endsWith(".")) {
            throw new IllegalArgumentException(invalid(whole, "it cannot start or end with '-' or '.'"));
        }
        if (whole.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(invalid(whole, "it is longer than " + MAX_LENGTH));
        }
    }

    private static String invalid(String id, String why) {
        return "'" + id + "' is not a valid Hub repo id (" + why + "); expected 'org/name' or 'name'";
    }

    /** The cache folder, {@code models--org--name}. */
    public String folderName() {
        return "models--" + (namespace == null ? name : namespace + "--" + name);
    }

    /** {@code org/name}, as written in URLs. */
    @Override
    public String toString() {
        return namespace == null ? name : namespace + "/" + name;
    }
}
