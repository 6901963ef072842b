package ai.peft4j.kernel.runtime;

import ai.peft4j.display.Displayable;
import ai.peft4j.display.LiveOutputs;
import ai.peft4j.display.LiveTrainingDisplay;
import ai.peft4j.display.MimeBundle;
import ai.peft4j.train.TrainingListener;
import ai.peft4j.train.TrainingProgress;
import java.util.function.Supplier;

/**
 * The outputs of the cell that draws a display (the {@link Notebook} sink current then) as
 * {@link LiveOutputs}: the kernel and the notebook runner show trainers' progress through it as
 * one {@code display_data} output redrawn in place.
 */
public final class NotebookLiveOutputs implements LiveOutputs {

    /** A bundle shown as is; its text is what a sink without a notebook prints. */
    private record Shown(MimeBundle bundle) implements Displayable {
        @Override
        public MimeBundle mimeBundle() {
            return bundle;
        }

        @Override
        public String toString() {
            String text = bundle.get(MimeBundle.TEXT);
            return text == null ? bundle.toString() : text;
        }
    }

    /**
     * Makes trainers built from now on draw a {@link LiveTrainingDisplay} on the notebook instead
     * of a terminal progress bar; returns the progress display factory it replaces.
     */
    public static Supplier<? extends TrainingListener> install() {
        return TrainingProgress.install(() -> new LiveTrainingDisplay(new NotebookLiveOutputs()));
    }

    /**
     * The sink of the cell that drew the display: updates go there even when training runs on another
     * thread or outlives its cell, instead of to whatever sink is current then.
     */
    private volatile DisplaySink shownOn;

    @Override
    public void display(MimeBundle bundle, String displayId) {
        DisplaySink sink = Notebook.sink();
        shownOn = sink;
        sink.display(new Shown(bundle), displayId);
    }

    @Override
    public void update(MimeBundle bundle, String displayId) {
        DisplaySink sink = shownOn;
        (sink != null ? sink : Notebook.sink()).update(new Shown(bundle), displayId);
    }
}
