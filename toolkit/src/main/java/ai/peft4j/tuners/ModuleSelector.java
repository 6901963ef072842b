package ai.peft4j.tuners;

import ai.peft4j.config.ConfigField;
import ai.peft4j.config.PeftConfigException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A choice of modules as PEFT configs express it ({@code target_modules}, {@code exclude_modules}): either a set
 * of names, each matching a module whose dotted path equals it or ends with {@code "." + name}, or one regular
 * expression that must match the whole path.
 *
 * <p>PEFT keeps name lists as Python sets, so equality ignores order; the insertion order is kept only to make
 * output predictable. The regex is compiled with {@link java.util.regex.Pattern}, which agrees with Python's
 * {@code re} for the patterns used in practice (character classes, groups, alternation, {@code .*}).
 *
 * <pre>{@code
 * ModuleSelector.names("q_proj", "v_proj");                      // list form
 * ModuleSelector.regex(".*decoder.*(q|v)_proj");                 // string form
 * ModuleSelector.regex("all-linear").isAllLinear();              // true: the caller picks the linear layers
 * }</pre>
 */
public final class ModuleSelector {

    /** PEFT's shorthand for "every linear layer except the output head" (compared case-insensitively). */
    public static final String ALL_LINEAR = "all-linear";

    private final Set<String> names;
    private final String regex;
    private final Pattern pattern;

    private ModuleSelector(Set<String> names, String regex) {
        this.names = names;
        this.regex = regex;
        this.pattern = regex == null || isAllLinear(regex) ? null : compile(regex);
    }

    /** The list form: exact names or dotted suffixes. Must not be empty; duplicates collapse. */
    public static ModuleSelector names(Collection<String> names) {
        Objects.requireNonNull(names, "names");
        if (names.isEmpty()) {
            throw new PeftConfigException("a module name list must not be empty (use null for \"not set\")");
        }
        Set<String> set = new LinkedHashSet<>();
        for (String n : names) {
            if (n == null || n.isEmpty()) {
                throw new PeftConfigException("module names must be non-empty strings, found "
                        + (n == null ? "null" : "\"\"") + " in " + names);
            }
            set.add(n);
        }
        return new ModuleSelector(Collections.unmodifiableSet(set), null);
    }

    /**
     * A config field holding a choice of modules, read as PEFT writes it: a list of names, a regex string, or
     * {@code null} (the default); compared as a set. An empty list is an error unless {@code emptyMeansNone}, as PEFT
     * treats an empty {@code exclude_modules} like none.
     */
    public static ConfigField<ModuleSelector> configField(String key, boolean emptyMeansNone) {
        return ConfigField.of(
                        key,
                        null,
                        true,
                        (f, k, v) -> {
                            List<String> names = v instanceof String
                                    ? null
                                    : f.stringList(k, v, "a list of module names, a regex string, or null");
                            if (names != null && names.isEmpty() && emptyMeansNone) {
                                return null;
                            }
                            try {
                                return names == null ? regex((String) v) : names(names);
                            } catch (PeftConfigException e) {
                                throw new PeftConfigException("key '" + k + "': " + e.getMessage(), e);
                            }
                        },
                        ModuleSelector::toJsonValue)
                .comparedAs(s -> s);
    }

    /**
     * Why {@code excluded} (an {@code exclude_modules}) contradicts these targets, or {@code null}: it names a module
     * the targets name too, or is the very same choice, which would exclude every target.
     */
    public String contradiction(ModuleSelector excluded) {
        if (!excluded.isRegex() && !isRegex()) {
            List<String> both = new ArrayList<>(names);
            both.retainAll(excluded.names);
            return both.isEmpty() ? null : "must not name modules that 'target_modules' names too: " + both;
        }
        return excluded.equals(this)
                ? "must not be the same as 'target_modules' (" + this + "): that would exclude every target"
                : null;
    }

    /**
     * The list form with no names, which selects nothing: PEFT's {@code []}, as in {@code
     * feedforward_modules=[]} ("none of the targets"), unlike {@code null} ("not set").
     */
    public static ModuleSelector emptyNames() {
        return new ModuleSelector(Set.of(), null);
    }

    /** {@link #names(Collection)}, or {@code null} for {@code null} (a builder's "not set"). */
    public static ModuleSelector namesOrNull(Collection<String> names) {
        return names == null ? null : names(names);
    }

    /** {@link #regex(String)}, or {@code null} for {@code null} (a builder's "not set"). */
    public static ModuleSelector regexOrNull(String regex) {
        return regex == null ? null : regex(regex);
    }

    /** The list form from varargs. */
    public static ModuleSelector names(String... names) {
        return names(List.of(names));
    }

    /** The string form: a regex matched against the whole module path, or {@value #ALL_LINEAR}. */
    public static ModuleSelector regex(String regex) {
        Objects.requireNonNull(regex, "regex");
        return new ModuleSelector(null, regex);
    }

    /** Whether this is the string (regex) form. */
    public boolean isRegex() {
        return regex != null;
    }

    /** Whether this is PEFT's {@value #ALL_LINEAR} shorthand, which only the model-aware caller can resolve. */
    public boolean isAllLinear() {
        return regex != null && isAllLinear(regex);
    }

    /** Whether a config value means {@value #ALL_LINEAR} (PEFT lower-cases the string before comparing). */
    public static boolean isAllLinear(String value) {
        return value != null && value.toLowerCase(Locale.ROOT).equals(ALL_LINEAR);
    }

    /** The names of the list form, in insertion order; {@code null} for the regex form. */
    public Set<String> names() {
        return names;
    }

    /** The regex of the string form; {@code null} for the list form. */
    public String regex() {
        return regex;
    }

    /** The value PEFT writes: the regex string, or the names as a list. */
    public Object toJsonValue() {
        return regex != null ? regex : List.copyOf(names);
    }

    /**
     * Whether {@code modulePath} is selected: regex full match, or a name equal to the path or to its
     * dotted suffix ({@code q_proj} selects {@code a.b.q_proj} but not {@code a.b.xq_proj}).
     *
     * @throws IllegalStateException for {@value #ALL_LINEAR}, which must be resolved to names first
     */
    public boolean selects(String modulePath) {
        if (isAllLinear()) {
            throw new IllegalStateException("'" + ALL_LINEAR + "' must be resolved to the model's linear layer "
                    + "names before matching; see TargetMatcher.withTargets");
        }
        if (pattern != null) {
            return pattern.matcher(modulePath).matches();
        }
        return names.contains(modulePath) || selectsBySuffix(modulePath);
    }

    /** Whether a name of the list form selects {@code modulePath} as a dotted suffix (not as the full path). */
    boolean selectsBySuffix(String modulePath) {
        for (String n : names) {
            if (modulePath.endsWith("." + n)) {
                return true;
            }
        }
        return false;
    }

    /** Whether one particular name of the list form selects {@code modulePath}. */
    static boolean nameSelects(String name, String modulePath) {
        return modulePath.equals(name) || modulePath.endsWith("." + name);
    }

    private static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new PeftConfigException("not a valid regular expression: \"" + regex + "\" (" + e.getDescription()
                    + " near index " + e.getIndex() + ")");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModuleSelector m && Objects.equals(names, m.names) && Objects.equals(regex, m.regex);
    }

    @Override
    public int hashCode() {
        return Objects.hash(names, regex);
    }

    @Override
    public String toString() {
        return regex != null ? "regex \"" + regex + "\"" : names.toString();
    }
}
