package ai.peft4j.kernel.runtime;

/** Where {@link Notebook#display} sends objects; set by the host (kernel or notebook runner). */
public interface DisplaySink {
    /**
     * Shows an object as a new output.
     *
     * @param value what to show
     * @param displayId id under which the output can be redrawn
     */
    void display(Object value, String displayId);

    /** Redraws the output created under {@code displayId}. */
    void update(Object value, String displayId);

    /** Prints {@code toString()} to standard output; used when no host is attached. */
    DisplaySink STDOUT = new DisplaySink() {
        @Override
        public void display(Object value, String displayId) {
            System.out.println(value);
        }

        @Override
        public void update(Object value, String displayId) {
            System.out.println(value);
        }
    };
}
