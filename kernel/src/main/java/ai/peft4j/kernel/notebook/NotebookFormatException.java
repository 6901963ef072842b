package ai.peft4j.kernel.notebook;

import java.io.IOException;

/** A file that is not a notebook the runner can execute: the message names the file and why. */
public final class NotebookFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public NotebookFormatException(String file, String problem) {
        super(file + ": " + problem);
    }
}
