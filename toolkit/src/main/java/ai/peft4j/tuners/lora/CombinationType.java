package ai.peft4j.tuners.lora;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How {@link WeightedAdapterMerge} combines LoRA adapters: PEFT 0.10's {@code combination_type} of {@code
 * add_weighted_adapter}, one constant per string ({@code LINEAR} is {@code "linear"}, {@code TIES_SVD} is {@code
 * "ties_svd"}).
 *
 * <ul>
 *   <li>{@code LINEAR}, {@code TIES}, {@code DARE_LINEAR}, {@code DARE_TIES}, {@code MAGNITUDE_PRUNE}: combine the A
 *       factors and the B factors separately, each weighted by {@code √(weight·scaling)}; every adapter must have the
 *       same {@code r}, which the new adapter keeps.
 *   <li>{@code CAT}: stacks the factors, rank = the sum of the ranks; exact ({@code ΔW = Σ weight·scaling·B·A}).
 *   <li>{@code SVD} and the {@code *_SVD} types: combine the weight changes {@code ΔW}, then keep the top {@code
 *       svd_rank} singular directions (default: the largest rank).
 * </ul>
 *
 * <pre>{@code
 * CombinationType.fromString("dare_ties_svd");   // DARE_TIES_SVD
 * CombinationType.TIES.usesDensity();            // true
 * }</pre>
 */
public enum CombinationType {
    SVD,
    LINEAR,
    CAT,
    TIES,
    TIES_SVD,
    DARE_LINEAR,
    DARE_TIES,
    DARE_LINEAR_SVD,
    DARE_TIES_SVD,
    MAGNITUDE_PRUNE,
    MAGNITUDE_PRUNE_SVD;

    /** PEFT's string for this type. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type PEFT names {@code value}, or an error listing the valid ones. */
    public static CombinationType fromString(String value) {
        for (CombinationType t : values()) {
            if (t.value().equals(value)) {
                return t;
            }
        }
        throw new IllegalArgumentException("Invalid combination_type: " + value + "; use one of "
                + Arrays.stream(values()).map(CombinationType::value).collect(Collectors.joining(", ")));
    }

    /** Whether the weight changes are combined and factored again by SVD. */
    public boolean isSvd() {
        return value().endsWith("svd");
    }

    /** Whether all adapters need the same {@code r} (the factors are combined entry by entry). */
    public boolean needsEqualRanks() {
        return this == LINEAR || this == TIES || this == DARE_LINEAR || this == DARE_TIES || this == MAGNITUDE_PRUNE;
    }

    /** Whether the type prunes, so needs {@code density}. */
    public boolean usesDensity() {
        return this != SVD && this != LINEAR && this != CAT;
    }

    /** Whether the type elects a sign per entry, so reads {@code majority_sign_method}. */
    public boolean usesMajoritySign() {
        return this == TIES || this == TIES_SVD || this == DARE_TIES || this == DARE_TIES_SVD;
    }

    @Override
    public String toString() {
        return value();
    }
}
