package ai.peft4j.models.llama;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Llama's {@code rope_scaling}: how rotary frequencies or positions are stretched for longer contexts.
 *
 * <ul>
 *   <li>{@code linear}: positions divided by {@code factor} (transformers 4.39's {@code
 *       LlamaLinearScalingRotaryEmbedding});
 *   <li>{@code dynamic}: NTK scaling once the input reaches past {@code max_position_embeddings}, {@code base = θ ·
 *       (factor · L / max_position_embeddings − (factor − 1))^(d / (d − 2))} with {@code L = max(position_ids) + 1}
 *       (4.39's {@code LlamaDynamicNTKScalingRotaryEmbedding}, per forward pass);
 *   <li>{@code llama3}: what Llama 3.1 and 3.2 checkpoints use; 4.39 does not have it, so it follows transformers
 *       4.43+'s {@code _compute_llama3_parameters}: frequencies with wavelengths above {@code
 *       original_max_position_embeddings / low_freq_factor} divided by {@code factor}, those below {@code
 *       original_max_position_embeddings / high_freq_factor} kept, and a smooth blend between.
 * </ul>
 *
 * The type is read from {@code rope_type}, or from {@code type} as 4.39 writes it. Arithmetic follows transformers'
 * float32 order.
 *
 * <pre>{@code
 * RopeScaling s = LlamaConfig.named("meta-llama/Llama-3.2-1B").ropeScaling();   // llama3, factor 32
 * }</pre>
 */
public record RopeScaling(
        String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {

    /** The types peft4j computes. */
    public static final java.util.List<String> TYPES = java.util.List.of("linear", "dynamic", "llama3");

    /**
     * Reads {@code rope_scaling}; null when it is null, absent or of type {@code default}.
     *
     * @throws IllegalArgumentException naming the field when the type is unknown or a parameter is missing or wrong
     */
    public static RopeScaling parse(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException("config field 'rope_scaling' must be an object or null, found " + n);
        }
        JsonNode t = n.hasNonNull("rope_type") ? n.get("rope_type") : n.get("type");
        if (t == null || !t.isTextual()) {
            throw new IllegalArgumentException(
                    "rope_scaling needs 'rope_type' (or 'type'), one of " + TYPES + "; found " + n);
        }
        String type = t.textValue();
        if (type.equals("default")) {
            return null;
        }
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException(
                    "rope_scaling type '" + type + "' is not supported by peft4j; supported: " + TYPES
                            + " (or set rope_scaling to null for plain rotary embeddings)");
        }
        double factor = number(n, "factor");
        if (!(factor >= 1)) {
            throw new IllegalArgumentException(
                    "rope_scaling's 'factor' must be a number >= 1, found " + n.get("factor"));
        }
        if (!type.equals("llama3")) {
            return new RopeScaling(type, factor, 0, 0, 0);
        }
        double low = number(n, "low_freq_factor");
        double high = number(n, "high_freq_factor");
        if (!(low > 0 && high > low)) {
            throw new IllegalArgumentException(
                    "rope_scaling needs 0 < low_freq_factor < high_freq_factor for llama3, found " + low + " and "
                            + high);
        }
        JsonNode original = n.get("original_max_position_embeddings");
        if (original == null || !original.canConvertToInt() || original.intValue() <= 0) {
            throw new IllegalArgumentException(
                    "rope_scaling needs a positive integer 'original_max_position_embeddings' " + "for llama3, found "
                            + original);
        }
        return new RopeScaling(type, factor, low, high, original.intValue());
    }

    private static double number(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException("rope_scaling needs a number '" + key + "', found " + v);
        }
        return v.doubleValue();
    }

    /** Plain rotary frequencies {@code 1 / θ^(2i/d)}, in float32 as transformers computes them. */
    static float[] defaultInvFreq(int dim, float theta) {
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) dim;
            inv[i] = 1f / (float) Math.pow(theta, exponent);
        }
        return inv;
    }

    /**
     * The frequencies for a forward pass whose largest position is {@code seqLen - 1} ({@code dynamic} only reads
     * it); {@code linear} keeps the plain ones and divides the positions instead ({@link #positionDivisor()}).
     */
    float[] invFreq(int dim, double theta, long seqLen, int maxPositionEmbeddings) {
        switch (type) {
            case "dynamic":
                if (seqLen <= maxPositionEmbeddings) {
                    return defaultInvFreq(dim, (float) theta);
                }
                float f = (float) factor;
                float ratio = f * (float) seqLen / (float) maxPositionEmbeddings - (f - 1f);
                float base = (float) theta * (float) Math.pow(ratio, (double) dim / (dim - 2));
                return defaultInvFreq(dim, base);
            case "llama3":
                return llama3(defaultInvFreq(dim, (float) theta));
            default:
                return defaultInvFreq(dim, (float) theta);
        }
    }

    private float[] llama3(float[] inv) {
        float f = (float) factor;
        float low = (float) lowFreqFactor;
        float high = (float) highFreqFactor;
        float lowFreqWavelen = (float) originalMaxPositionEmbeddings / low;
        float highFreqWavelen = (float) originalMaxPositionEmbeddings / high;
        float[] out = new float[inv.length];
        for (int i = 0; i < inv.length; i++) {
            float wavelen = (float) (2 * Math.PI) / inv[i];
            float scaled = wavelen > lowFreqWavelen ? inv[i] / f : inv[i];
            if (wavelen < highFreqWavelen || wavelen > lowFreqWavelen) {
                out[i] = scaled;
            } else {
                float smooth = ((float) originalMaxPositionEmbeddings / wavelen - low) / (high - low);
                out[i] = (1f - smooth) * scaled / f + smooth * scaled;
            }
        }
        return out;
    }

    /** What positions are divided by before the angles: {@code factor} for {@code linear}, else 1. */
    double positionDivisor() {
        return type.equals("linear") ? factor : 1;
    }

    /** Whether the frequencies depend on the input's largest position. */
    boolean dynamic() {
        return type.equals("dynamic");
    }
}
