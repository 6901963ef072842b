package ai.peft4j.kernel.eval;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import jdk.jshell.execution.LocalExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * JShell's in-process execution (snippets run in this JVM, on their own thread so that {@code
 * JShell.stop()} works) that also keeps the real value and the real exception of the last
 * invocation, which JShell itself only hands over as strings.
 *
 * <p>The snippet's {@code do_it$} method is invoked through {@link #call()}, which stores the
 * outcome in a {@link Slot}. The slot travels to JShell's execution thread through an {@link
 * InheritableThreadLocal}, so several evaluators in one JVM do not mix results.
 */
final class CapturingExecutionControl extends LocalExecutionControl {

  /** Outcome of one invocation. */
  static final class Slot {
    volatile Method target;
    volatile Object value;
    volatile Throwable thrown;

    void reset() {
      target = null;
      value = null;
      thrown = null;
    }
  }

  private static final InheritableThreadLocal<Slot> CURRENT = new InheritableThreadLocal<>();
  private static final Method CALL;

  static {
    try {
      CALL = CapturingExecutionControl.class.getDeclaredMethod("call");
      CALL.setAccessible(true); // invoked reflectively from the jdk.jshell module
    } catch (NoSuchMethodException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Slot slot;

  CapturingExecutionControl(Slot slot) {
    this.slot = slot;
  }

  @Override
  protected String invoke(Method doitMethod) throws Exception {
    slot.reset();
    slot.target = doitMethod;
    Slot previous = CURRENT.get();
    CURRENT.set(slot);
    try {
      super.invoke(CALL);
      return valueString(slot.value);
    } finally {
      CURRENT.set(previous);
    }
  }

  /** Runs on JShell's execution thread: invokes the snippet and records value or exception. */
  static Object call() throws Throwable {
    Slot s = CURRENT.get();
    try {
      Object value = s.target.invoke(null);
      s.value = value;
      return value;
    } catch (InvocationTargetException e) {
      s.thrown = e.getCause();
      throw e.getCause();
    }
  }

  /** Provider handed to {@code JShell.builder().executionEngine(...)}. */
  static final class Provider implements ExecutionControlProvider {
    private final Slot slot;

    Provider(Slot slot) {
      this.slot = slot;
    }

    @Override
    public String name() {
      return "peft4j-local";
    }

    @Override
    public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
      return new CapturingExecutionControl(slot);
    }
  }
}
