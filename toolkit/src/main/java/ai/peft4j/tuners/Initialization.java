package ai.peft4j.tuners;

import java.util.Random;

/**
 * The generator that new adapter weights are drawn from, like {@code torch.manual_seed} for
 * PEFT: seed it once in a notebook to make {@code getPeftModel} reproducible.
 *
 * <pre>{@code
 * Initialization.manualSeed(42);
 * }</pre>
 */
public final class Initialization {

  private static Random generator = new Random();

  private Initialization() {}

  /** Reseeds the shared generator. */
  public static synchronized void manualSeed(long seed) {
    generator = new Random(seed);
  }

  /** The shared generator. */
  public static synchronized Random generator() {
    return generator;
  }
}
