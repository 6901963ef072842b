package ai.peft4j.train;

import java.util.Locale;

/**
 * A learning-rate schedule with transformers' formulas ({@code get_scheduler}): the rate used by
 * optimizer step {@code k} (0-based) is {@code baseLr * factor(k)}.
 *
 * <ul>
 *   <li>{@code constant}: 1 (warm-up, if any, ramps linearly from 0 first)
 *   <li>{@code linear}: {@code k / warmup} during warm-up, then falls linearly to 0 at {@code
 *       totalSteps}
 *   <li>{@code cosine}: warm-up, then {@code 0.5 (1 + cos(pi * progress))}
 * </ul>
 *
 * @param type the schedule's kind
 * @param baseLr the peak learning rate
 * @param warmupSteps steps of linear warm-up from 0
 * @param totalSteps the number of optimizer steps of the whole run
 */
public record LrSchedule(Type type, double baseLr, int warmupSteps, int totalSteps) {

    /** The schedule kinds, named as transformers' {@code SchedulerType}. */
    public enum Type {
        CONSTANT,
        LINEAR,
        COSINE;

        /** transformers' name ({@code "linear"}, ...). */
        public String hfName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses transformers' name; {@code constant_with_warmup} is {@link #CONSTANT}. */
        public static Type parse(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            return n.equals("constant_with_warmup") ? CONSTANT : valueOf(n.toUpperCase(Locale.ROOT));
        }
    }

    public LrSchedule {
        if (warmupSteps < 0 || totalSteps < 0) {
            throw new IllegalArgumentException("warm-up and total steps must be >= 0");
        }
        if (!(baseLr >= 0)) {
            throw new IllegalArgumentException("learning rate must be >= 0, got " + baseLr);
        }
    }

    /** The multiplier of {@link #baseLr} at optimizer step {@code step} (0-based). */
    public double factor(long step) {
        if (step < warmupSteps) {
            return (double) step / Math.max(1, warmupSteps);
        }
        switch (type) {
            case CONSTANT:
                return 1.0;
            case LINEAR:
                return Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
            case COSINE: {
                double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
                return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
            }
            default:
                throw new AssertionError(type);
        }
    }

    /** The learning rate at optimizer step {@code step} (0-based). */
    public double lr(long step) {
        return baseLr * factor(step);
    }
}
