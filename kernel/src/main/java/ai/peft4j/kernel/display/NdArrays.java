package ai.peft4j.kernel.display;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.StringJoiner;

/** Short text summaries of DJL arrays. */
final class NdArrays {
  private NdArrays() {}

  /** {@code NDArray float32 (2, 3) cpu()} and the first {@code limit} values, row-major. */
  static String summary(NDArray a, int limit) {
    if (a.isReleased()) {
      return "NDArray (closed)";
    }
    StringBuilder sb = new StringBuilder();
    DataType dt = a.getDataType();
    sb.append("NDArray ").append(dt.toString().toLowerCase(java.util.Locale.ROOT)).append(' ');
    sb.append(a.getShape()).append(' ').append(a.getDevice());
    if (a.getName() != null && !a.getName().isEmpty()) {
      sb.append(" name=").append(a.getName());
    }
    long size = a.size();
    if (size == 0) {
      return sb.append("\n[]").toString();
    }
    int n = (int) Math.min(size, limit);
    try (NDManager scope = a.getManager().newSubManager()) {
      NDArray flat = a.reshape(-1);
      flat.attach(scope);
      NDArray head = flat.get("0:" + n);
      head.attach(scope);
      StringJoiner j = new StringJoiner(", ", "\n[", size > n ? ", ... (" + (size - n) + " more)]" : "]");
      if (dt == DataType.BOOLEAN) {
        for (boolean b : head.toBooleanArray()) {
          j.add(Boolean.toString(b));
        }
      } else {
        for (Number v : head.toArray()) {
          j.add(format(v));
        }
      }
      sb.append(j);
    } catch (RuntimeException e) {
      sb.append("\n(values unavailable: ").append(e.getMessage()).append(')');
    }
    return sb.toString();
  }

  private static String format(Number v) {
    if (v instanceof Float || v instanceof Double) {
      double d = v.doubleValue();
      return String.format(java.util.Locale.ROOT, "%.4g", d);
    }
    return v.toString();
  }
}
