package ai.peft4j.display.jupyter;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the Java kernel this JVM runs in and registers peft4j's renderers there, and makes trainers
 * show their progress as a {@link ai.peft4j.display.LiveTrainingDisplay} (one output redrawn with
 * {@code update_display_data}) instead of a terminal progress bar. IJava needs a call to {@link
 * #install()}; JJava loads {@link JJavaExtension} itself when the toolkit is added with {@code
 * %maven} or {@code %jars}.
 */
public final class NotebookDisplay {

    static final String IJAVA = "io.github.spencerpark.ijava.IJava";
    static final String BASEKERNEL_RENDERER = "io.github.spencerpark.jupyter.kernel.display.Renderer";
    static final String JJAVA_KERNEL = "org.dflib.jjava.jupyter.kernel.BaseKernel";

    private NotebookDisplay() {}

    /**
     * Registers with every kernel found; returns the names of those it registered with (empty in
     * plain JShell, where {@code toString()} already gives aligned text).
     */
    public static List<String> install() {
        List<String> done = new ArrayList<>();
        if (present(IJAVA) && present(BASEKERNEL_RENDERER)) {
            IJavaRenderers.registerWithRunningKernel();
            done.add("IJava");
        }
        return done;
    }

    static boolean present(String className) {
        try {
            Class.forName(className, false, NotebookDisplay.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
