package ai.peft4j.display;

/**
 * Outputs that can be redrawn in place: what a notebook kernel offers {@link LiveTrainingDisplay}.
 * In Jupyter's protocol {@link #display} is a {@code display_data} message whose {@code
 * transient.display_id} is the given id, and {@link #update} an {@code update_display_data}
 * message with that id, which front ends (and nbclient, when it saves a notebook) apply to every
 * output shown under it.
 *
 * <pre>{@code
 * LiveOutputs outputs = ...;                        // given by the kernel
 * outputs.display(MimeBundle.text("starting"), "run-1");
 * outputs.update(MimeBundle.text("step 10"), "run-1");
 * }</pre>
 */
public interface LiveOutputs {

    /** Shows {@code bundle} as a new output that {@link #update} can redraw under {@code displayId}. */
    void display(MimeBundle bundle, String displayId);

    /** Redraws the outputs shown under {@code displayId}. */
    void update(MimeBundle bundle, String displayId);
}
