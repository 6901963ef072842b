package ai.peft4j.tuners;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Decides which modules of a base model receive an adapter, following PEFT 0.10's
 * {@code check_target_module_exists} (plus {@code exclude_modules} from later versions).
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>{@code exclude_modules} first: a module it selects is {@link Outcome#EXCLUDED}.</li>
 *   <li>{@code target_modules} as a regex: the whole path must match; the layer filter does not apply (a config
 *       cannot combine them).</li>
 *   <li>{@code target_modules} as names: a name equal to the whole path selects it outright; otherwise a name
 *       equal to the path's dotted suffix selects it, and then {@code layers_to_transform} (if set and non-empty)
 *       keeps only modules whose layer index is listed.</li>
 * </ol>
 * The layer index is the number after {@code .<pattern>.} for the first of {@code layers_pattern} found in the
 * path; without {@code layers_pattern} it is the last number that sits between two dots after a named segment
 * (PEFT's {@code .*\.[^.]*\.(\d+)\.}). A module without such an index is not selected when the filter is on.
 *
 * <p>Paths are dotted, as from {@code named_modules()} or a DJL block tree:
 * <pre>{@code
 * TargetMatcher m = TargetMatcher.of(LoraConfig.builder()
 *         .targetModules("q_proj", "v_proj").layersToTransform(0).layersPattern("layers").build());
 * m.matches("model.decoder.layers.0.self_attn.q_proj");   // true
 * m.matches("model.decoder.layers.1.self_attn.q_proj");   // false: layer 1
 * m.matches("model.decoder.layers.0.self_attn.xq_proj");  // false: "q_proj" must be a whole segment
 * }</pre>
 */
public final class TargetMatcher {

    /** What {@link #check} found for one module. */
    public enum Outcome {
        /** The adapter goes here. */
        TARGETED,
        /** Selected by {@code exclude_modules}; PEFT tells these apart to explain "everything was excluded". */
        EXCLUDED,
        /** Not selected. */
        NOT_TARGETED
    }

    // Without layers_pattern PEFT 0.10 takes the last "<segment>.<digits>." (the .* is greedy).
    private static final Pattern ANY_LAYER_INDEX = Pattern.compile(".*\\.([^.]*)\\.(\\d+)\\.");

    private final ModuleSelector targets;
    private final ModuleSelector exclude;
    private final List<Integer> layersToTransform;
    private final List<String> layersPattern;

    /**
     * @param targets           {@code target_modules}; {@code null} means the caller must first fill in the
     *                          architecture's defaults (PEFT does the same from its model-type table)
     * @param exclude           {@code exclude_modules}, or {@code null}
     * @param layersToTransform layer indices to keep, or {@code null}/empty for all
     * @param layersPattern     names of the layer containers ({@code layers}, {@code h}...), or {@code null}/empty
     *                          to accept any
     */
    public TargetMatcher(
            ModuleSelector targets,
            ModuleSelector exclude,
            Collection<Integer> layersToTransform,
            Collection<String> layersPattern) {
        this.targets = targets;
        this.exclude = exclude;
        this.layersToTransform = layersToTransform == null ? List.of() : List.copyOf(layersToTransform);
        this.layersPattern = layersPattern == null ? List.of() : List.copyOf(layersPattern);
    }

    /** The matcher for a config's targeting fields (LoRA's, or any other method's). */
    public static TargetMatcher of(TargetedConfig config) {
        return new TargetMatcher(
                config.targetModules(), config.excludeModules(), config.layersToTransform(), config.layersPattern());
    }

    /** The target selector this matcher uses ({@code null} when the config left it unset). */
    public ModuleSelector targets() {
        return targets;
    }

    /** Whether the targets are PEFT's {@code "all-linear"}, which the caller must resolve with {@link #withTargets}. */
    public boolean targetsAllLinear() {
        return targets != null && targets.isAllLinear();
    }

    /** Whether the config left {@code target_modules} unset, so the caller must supply the model's defaults. */
    public boolean needsDefaultTargets() {
        return targets == null;
    }

    /** A copy with resolved targets (defaults for the architecture, or the leaf names of all linear layers). */
    public TargetMatcher withTargets(ModuleSelector resolved) {
        return new TargetMatcher(
                Objects.requireNonNull(resolved, "resolved"), exclude, layersToTransform, layersPattern);
    }

    /** Classifies one module path. */
    public Outcome check(String modulePath) {
        if (targets == null) {
            throw new IllegalStateException("target_modules is not set; supply the architecture's default targets "
                    + "with withTargets(...) before matching");
        }
        if (exclude != null && exclude.selects(modulePath)) {
            return Outcome.EXCLUDED;
        }
        if (targets.isRegex()) {
            return targets.selects(modulePath) ? Outcome.TARGETED : Outcome.NOT_TARGETED;
        }
        if (targets.names().contains(modulePath)) {
            // A full path named in target_modules is taken as is, without the layer filter (as in PEFT).
            return Outcome.TARGETED;
        }
        if (!targets.selectsBySuffix(modulePath)) {
            return Outcome.NOT_TARGETED;
        }
        if (layersToTransform.isEmpty()) {
            return Outcome.TARGETED;
        }
        OptionalInt index = layerIndex(modulePath, layersPattern);
        return index.isPresent() && layersToTransform.contains(index.getAsInt())
                ? Outcome.TARGETED
                : Outcome.NOT_TARGETED;
    }

    /** Whether the adapter goes on {@code modulePath}. */
    public boolean matches(String modulePath) {
        return check(modulePath) == Outcome.TARGETED;
    }

    /** {@link #matches} as a predicate, e.g. for filtering a stream of module paths. */
    public Predicate<String> asPredicate() {
        return this::matches;
    }

    /**
     * The names of a list-form target that select none of {@code modulePaths} (ignoring exclusions and the layer
     * filter, so that a typo is reported even when the filter would have dropped everything anyway). Empty for
     * a regex target.
     */
    public Set<String> unmatchedTargets(Collection<String> modulePaths) {
        Set<String> missing = new LinkedHashSet<>();
        if (targets == null || targets.isRegex()) {
            return missing;
        }
        for (String name : targets.names()) {
            boolean found = false;
            for (String path : modulePaths) {
                if (ModuleSelector.nameSelects(name, path)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                missing.add(name);
            }
        }
        return missing;
    }

    /**
     * The layer index PEFT reads from a module path: the number after {@code .<pattern>.} for the first pattern
     * that occurs (patterns are regex fragments, as in PEFT), or, with no patterns, the number in the last
     * {@code .<segment>.<number>.} of the path.
     *
     * <pre>{@code
     * layerIndex("model.decoder.layers.3.self_attn.q_proj", List.of("layers"));  // 3
     * layerIndex("transformer.h.11.attn.c_attn", List.of());                    // 11
     * layerIndex("seq.0", List.of());                                           // empty: no dot after the index
     * }</pre>
     */
    public static OptionalInt layerIndex(String modulePath, List<String> layersPattern) {
        LayerPosition at = layerPosition(modulePath, layersPattern);
        return at == null ? OptionalInt.empty() : OptionalInt.of(at.index());
    }

    /** Where a module sits: the layer container's name (or pattern) and the index in it. */
    private record LayerPosition(String container, int index) {}

    private static LayerPosition layerPosition(String modulePath, List<String> layersPattern) {
        if (layersPattern == null || layersPattern.isEmpty()) {
            Matcher m = ANY_LAYER_INDEX.matcher(modulePath);
            return m.lookingAt() ? position(m.group(1), m.group(2)) : null;
        }
        for (String p : layersPattern) {
            // re.match semantics: anchored at the start, not at the end.
            Matcher m = Pattern.compile(".*\\." + p + "\\.(\\d+)\\.").matcher(modulePath);
            if (m.lookingAt()) {
                return position(p, m.group(1));
            }
        }
        return null;
    }

    private static LayerPosition position(String container, String digits) {
        try {
            return new LayerPosition(container, Integer.parseInt(digits));
        } catch (NumberFormatException e) {
            return null; // more digits than any real model has layers
        }
    }

    /**
     * Why nothing was targeted when {@code target_modules} names modules that exist but {@code
     * layers_to_transform} keeps none of them, e.g. {@code layers_to_transform [40] selects no layer:
     * the model's layers are numbered 0..11 under 'layers'}; {@code null} when that is not the reason
     * (a regex target, no layer filter, or no module named at all).
     */
    public String noLayerSelectedMessage(Collection<String> modulePaths) {
        if (targets == null || targets.isRegex() || layersToTransform.isEmpty()) {
            return null;
        }
        List<String> named = new ArrayList<>();
        for (String path : modulePaths) {
            if (!path.isEmpty() && targets.selectsBySuffix(path) && (exclude == null || !exclude.selects(path))) {
                if (check(path) == Outcome.TARGETED) {
                    return null;
                }
                named.add(path);
            }
        }
        if (named.isEmpty()) {
            return null;
        }
        Map<String, Set<Integer>> byContainer = new LinkedHashMap<>();
        for (String path : named) {
            LayerPosition at = layerPosition(path, layersPattern);
            if (at != null) {
                byContainer
                        .computeIfAbsent(at.container(), k -> new TreeSet<>())
                        .add(at.index());
            }
        }
        String head = "layers_to_transform " + layersToTransform + " selects no layer: ";
        if (byContainer.isEmpty()) {
            return head + "none of the " + named.size() + " modules that target_modules names sits in a numbered "
                    + "layer container"
                    + (layersPattern.isEmpty() ? "" : " named " + layersPattern + " (layers_pattern)")
                    + ", e.g. " + named.get(0) + ". Fix layers_pattern, or drop layers_to_transform.";
        }
        List<String> ranges = new ArrayList<>();
        byContainer.forEach((container, indices) -> ranges.add(numbering(indices) + " under '" + container + "'"));
        return head + "the model's layers are numbered " + String.join(" and ", ranges)
                + ". Pick layer indices from that range.";
    }

    /** {@code 0..11} for a contiguous set, else the list. */
    private static String numbering(Set<Integer> sorted) {
        List<Integer> list = new ArrayList<>(sorted);
        int first = list.get(0);
        int last = list.get(list.size() - 1);
        return last - first + 1 == list.size() ? first + ".." + last : list.toString();
    }

    /** The distinct last segments of module paths ({@code q_proj}, {@code fc1}...), sorted. */
    public static List<String> leafNames(Collection<String> modulePaths) {
        Set<String> leaves = new TreeSet<>();
        for (String path : modulePaths) {
            if (!path.isEmpty()) {
                leaves.add(path.substring(path.lastIndexOf('.') + 1));
            }
        }
        return new ArrayList<>(leaves);
    }

    /**
     * The leaf names of {@code modulePaths} closest to {@code target} by edit distance (ignoring case), nearest
     * first, at most {@code limit}. Purely numeric leaves ({@code 0} in {@code seq.0}) are left out unless the
     * target is a number itself, since they are positions, not names.
     */
    public static List<String> closestNames(String target, Collection<String> modulePaths, int limit) {
        String t = target.toLowerCase(Locale.ROOT);
        boolean numericTarget = isNumber(target);
        return leafNames(modulePaths).stream()
                .filter(leaf -> numericTarget || !isNumber(leaf))
                .sorted(Comparator.comparingInt((String leaf) -> editDistance(t, leaf.toLowerCase(Locale.ROOT)))
                        .thenComparing(Comparator.naturalOrder()))
                .limit(Math.max(0, limit))
                .collect(Collectors.toList());
    }

    /**
     * The message for targets that select nothing, with the nearest existing names, e.g.
     * {@code Target modules [q_prj] not found in the base model. Closest existing names: q_proj, k_proj, v_proj.}
     */
    public static String notFoundMessage(Collection<String> missingTargets, Collection<String> modulePaths) {
        Set<String> suggestions = new LinkedHashSet<>();
        for (String missing : missingTargets) {
            suggestions.addAll(closestNames(missing, modulePaths, 3));
        }
        StringBuilder sb =
                new StringBuilder("Target modules ").append(missingTargets).append(" not found in the base model.");
        if (!suggestions.isEmpty()) {
            sb.append(" Closest existing names: ")
                    .append(String.join(", ", suggestions))
                    .append('.');
        }
        List<String> leaves =
                leafNames(modulePaths).stream().filter(l -> !isNumber(l)).collect(Collectors.toList());
        if (!leaves.isEmpty() && leaves.size() <= 40) {
            sb.append(" Module names available: ")
                    .append(String.join(", ", leaves))
                    .append('.');
        }
        return sb.toString();
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] swap = prev;
            prev = cur;
            cur = swap;
        }
        return prev[b.length()];
    }

    @Override
    public String toString() {
        return "TargetMatcher{targets=" + targets + ", exclude=" + exclude + ", layersToTransform=" + layersToTransform
                + ", layersPattern=" + layersPattern + "}";
    }
}
