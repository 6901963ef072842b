package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Random;

/** Setting parameter values: from loaded tensors, or from a seeded generator in Java. */
public final class Weights {

  private Weights() {}

  /**
   * Gives {@code p} the value {@code fresh}, which the caller hands over (it must not be used
   * afterwards). An initialized parameter keeps its array object, so optimizers and gradient
   * buffers that refer to it stay valid; an uninitialized one adopts {@code fresh} onto {@code
   * owner}.
   *
   * @throws IllegalArgumentException when the shapes differ; nothing is changed then
   */
  public static void assign(String key, Parameter p, NDArray fresh, NDManager owner) {
    Shape want = p.getShape() != null ? p.getShape() : fresh.getShape();
    if (!want.equals(fresh.getShape())) {
      throw new IllegalArgumentException(
          "shape mismatch for '" + key + "': model expects " + want + ", got " + fresh.getShape());
    }
    if (p.isInitialized()) {
      copyInto(p.getArray(), fresh);
      fresh.close();
      return;
    }
    fresh.attach(owner);
    NDArray adopted = fresh;
    p.setInitializer((manager, shape, dataType) -> adopted);
    p.initialize(owner, fresh.getDataType());
  }

  /**
   * Copies {@code source}'s values into {@code target} in place, keeping the target's identity,
   * dtype and memory. On the CPU the values are written through a view of the target's own
   * memory: DJL's {@code set(Buffer)} would instead make the target alias a Java buffer, whose
   * memory only the garbage collector returns.
   */
  public static void copyInto(NDArray target, NDArray source) {
    if (!target.getShape().equals(source.getShape())) {
      throw new IllegalArgumentException(
          "cannot copy " + source.getShape() + " into " + target.getShape());
    }
    NDArray src = source.getDataType() == target.getDataType()
        ? source : source.toType(target.getDataType(), false);
    if (target.getDevice().isGpu()) {
      target.set(src.toByteBuffer());
    } else {
      target.toByteBuffer(true).put(src.toByteBuffer(true));
    }
    if (src != source) {
      src.close();
    }
  }

  /** Fills a new FLOAT32 array with N(mean, std²) values drawn in Java from {@code rnd}. */
  public static NDArray normal(NDManager m, Shape shape, double mean, double std, Random rnd) {
    float[] v = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (mean + std * rnd.nextGaussian());
    }
    return m.create(v, shape);
  }

  /** Fills a new FLOAT32 array with U(low, high) values drawn in Java from {@code rnd}. */
  public static NDArray uniform(NDManager m, Shape shape, double low, double high, Random rnd) {
    float[] v = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (low + (high - low) * rnd.nextDouble());
    }
    return m.create(v, shape);
  }
}
