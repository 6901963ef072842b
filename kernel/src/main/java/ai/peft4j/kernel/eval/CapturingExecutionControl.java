package ai.peft4j.kernel.eval;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 *
 * <p>Two safety nets for code that would take the kernel down: classes are loaded with their
 * exit calls redirected to {@link CellExit} ({@link ExitCalls}), and {@link #abandon(Slot)} lets
 * the host stop waiting for a snippet thread that ignores {@code JShell.stop()}.
 */
final class CapturingExecutionControl extends LocalExecutionControl {

    /** Outcome of one invocation, and the threads involved while it runs. */
    static final class Slot {
        volatile Method target;
        volatile Object value;
        volatile Throwable thrown;
        /** {@code System.exit(3)} and so on, when the snippet asked the JVM to end. */
        volatile String exitCall;

        volatile Throwable exitRequest;
        /** The thread waiting in {@link #invoke(Method)}; the snippet's own thread. */
        volatile Thread caller;

        volatile Thread exec;
        volatile boolean running;
        volatile boolean abandoned;

        void reset() {
            target = null;
            value = null;
            thrown = null;
            exitCall = null;
            exitRequest = null;
            exec = null;
            abandoned = false;
        }
    }

    private static final InheritableThreadLocal<Slot> CURRENT = new InheritableThreadLocal<>();
    private static final Method CALL;

    /** Snippet threads that ignored a stop: stopped again now and then, while they live. */
    private static final Set<Thread> ABANDONED = ConcurrentHashMap.newKeySet();

    private static volatile ScheduledExecutorService reaper;

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
    public void load(ClassBytecodes[] cbcs)
            throws ClassInstallException, NotImplementedException, EngineTerminationException {
        ClassBytecodes[] rewritten = new ClassBytecodes[cbcs.length];
        for (int i = 0; i < cbcs.length; i++) {
            rewritten[i] = new ClassBytecodes(cbcs[i].name(), ExitCalls.rewrite(cbcs[i].bytecodes()));
        }
        super.load(rewritten);
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        slot.reset();
        slot.target = doitMethod;
        Slot previous = CURRENT.get();
        CURRENT.set(slot);
        synchronized (slot) {
            slot.caller = Thread.currentThread();
            slot.running = true;
        }
        try {
            super.invoke(CALL);
            return valueString(slot.value);
        } catch (InterruptedException e) {
            if (slot.abandoned) {
                throw new StoppedException(); // JShell reports the snippet as stopped
            }
            throw e;
        } finally {
            synchronized (slot) {
                slot.running = false;
                slot.caller = null;
            }
            if (slot.abandoned) {
                Thread.interrupted(); // an abandon that raced with the snippet's own end
            }
            CURRENT.set(previous);
        }
    }

    /** Runs on JShell's execution thread: invokes the snippet and records value or exception. */
    static Object call() throws Throwable {
        Slot s = CURRENT.get();
        s.exec = Thread.currentThread();
        try {
            Object value = s.target.invoke(null);
            s.value = value;
            return value;
        } catch (InvocationTargetException e) {
            s.thrown = e.getCause();
            throw e.getCause();
        }
    }

    /** Called by {@link CellExit} on the thread that asked to exit. */
    static void exitRequested(String call, Throwable request) {
        Slot s = CURRENT.get();
        if (s != null && s.running && s.exitCall == null) {
            s.exitCall = call;
            s.exitRequest = request;
        }
    }

    /**
     * Stops waiting for the running snippet, whose thread ignored {@code JShell.stop()}: the host
     * thread blocked in {@link #invoke(Method)} is released and JShell sees the snippet as stopped.
     * The snippet thread is stopped again every second while it lives.
     *
     * @return whether a snippet was running
     */
    static boolean abandon(Slot slot) {
        synchronized (slot) {
            if (!slot.running || slot.caller == null) {
                return false;
            }
            slot.abandoned = true;
            Thread exec = slot.exec;
            if (exec != null) {
                ABANDONED.add(exec);
                startReaper();
            }
            slot.caller.interrupt();
            return true;
        }
    }

    private static synchronized void startReaper() {
        if (reaper != null) {
            return;
        }
        reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "peft4j-abandoned-cell-stopper");
            t.setDaemon(true);
            return t;
        });
        reaper.scheduleWithFixedDelay(CapturingExecutionControl::stopAbandoned, 1, 1, TimeUnit.SECONDS);
    }

    @SuppressWarnings({"deprecation", "removal"})
    private static void stopAbandoned() {
        for (Thread t : ABANDONED) {
            if (!t.isAlive()) {
                ABANDONED.remove(t);
                continue;
            }
            try {
                t.stop(); // ThreadDeath may land outside the cell's catch this time
            } catch (UnsupportedOperationException e) {
                ABANDONED.remove(t); // JDK 20+: nothing more can be done
            }
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
