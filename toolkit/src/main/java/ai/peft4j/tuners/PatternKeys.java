package ai.peft4j.tuners;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * PEFT 0.10's choice of a per-module override ({@code rank_pattern} and {@code alpha_pattern} of LoRA, LoHa and
 * LoKr): the first key, in the order given, for which the regex {@code .*\.<key>$} matches a module's path from its
 * start; if none does, the path itself (so a key equal to the whole path also applies). The key is pasted into the
 * regex unescaped, exactly as PEFT does, so {@code "layers\\.0\\..*"} works too.
 *
 * <pre>{@code
 * PatternKeys keys = PatternKeys.of(List.of("q_proj", "layers\\.0\\..*"));
 * keys.keyFor("model.layers.0.self_attn.q_proj");   // "q_proj"
 * keys.keyFor("model.layers.1.fc1");                // "model.layers.1.fc1": no key matches
 * }</pre>
 */
public final class PatternKeys {

    private final Map<String, Pattern> patterns;

    private PatternKeys(Map<String, Pattern> patterns) {
        this.patterns = patterns;
    }

    /** The keys in lookup order (duplicates count once); each must be a valid regex fragment. */
    public static PatternKeys of(Collection<String> keys) {
        Map<String, Pattern> patterns = new LinkedHashMap<>();
        for (String key : keys) {
            patterns.putIfAbsent(key, compile(key));
        }
        return new PatternKeys(Collections.unmodifiableMap(patterns));
    }

    /** The key that applies to {@code modulePath}, or the path itself. */
    public String keyFor(String modulePath) {
        for (Map.Entry<String, Pattern> e : patterns.entrySet()) {
            if (e.getValue().matcher(modulePath).lookingAt()) {
                return e.getKey();
            }
        }
        return modulePath;
    }

    /** What is wrong with the first key that is no valid regex fragment, or {@code null}: a config field check. */
    public static String invalidKey(Collection<String> keys) {
        for (String key : keys) {
            try {
                compile(key);
            } catch (PatternSyntaxException e) {
                return "\"" + key + "\" is not a valid regular expression (" + e.getDescription() + ")";
            }
        }
        return null;
    }

    private static Pattern compile(String key) {
        return Pattern.compile(".*\\." + key + "$");
    }
}
