package ai.peft4j.tuners.lora;

import java.util.Random;

/**
 * What PEFT's {@code LoraLayer} gives every LoRA layer ({@link LoraLinear}, {@link LoraEmbedding}): {@code
 * update_layer}, with one adapter's settings held in a {@link Settings}.
 *
 * <pre>{@code
 * LoraConfig config = LoraConfig.builder().r(4).rankPattern(Map.of("q_proj", 2)).build();
 * LoraLayer l = new LoraLinear(new Linear(16, 16, true), false);
 * l.updateLayer("default", LoraLayer.Settings.of(config, "layers.0.q_proj"), new Random(0));   // rank 2
 * }</pre>
 */
public interface LoraLayer {

    /**
     * One adapter's settings, as PEFT's {@code update_layer} takes them.
     *
     * @param r         the rank; positive
     * @param loraAlpha the scaling numerator
     * @param dropout   dropout probability on the adapter's input
     * @param init      how the factors start
     * @param useRslora scale by {@code lora_alpha / sqrt(r)} instead of {@code lora_alpha / r}
     * @param useDora   a DoRA adapter (Linear and Conv1D only)
     */
    record Settings(
            int r,
            double loraAlpha,
            double dropout,
            LoraConfig.InitLoraWeights init,
            boolean useRslora,
            boolean useDora) {

        /**
         * {@code config}'s settings for the module at {@code path}, as PEFT's {@code LoraModel._create_and_replace}
         * chooses them: rank and alpha from {@code rank_pattern} / {@code alpha_pattern}.
         */
        public static Settings of(LoraConfig config, String path) {
            return new Settings(
                    config.rankFor(path),
                    config.alphaFor(path),
                    config.loraDropout(),
                    config.initLoraWeights(),
                    config.useRslora(),
                    config.useDora());
        }

        /** PEFT's scaling of the adapter's output: {@code lora_alpha / sqrt(r)} with rsLoRA, else {@code lora_alpha / r}. */
        public double scaling() {
            return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
        }
    }

    /** PEFT's {@code update_layer}, with its arguments in PEFT's order. */
    default void updateLayer(
            String name,
            int r,
            double loraAlpha,
            double dropout,
            LoraConfig.InitLoraWeights init,
            boolean useRslora,
            boolean useDora,
            Random rnd) {
        updateLayer(name, new Settings(r, loraAlpha, dropout, init, useRslora, useDora), rnd);
    }

    /**
     * Adds adapter {@code name}; its factors are drawn from {@code rnd}.
     *
     * @throws IllegalArgumentException for a rank below 1, a name already in use, or an option the layer lacks
     */
    void updateLayer(String name, Settings settings, Random rnd);
}
