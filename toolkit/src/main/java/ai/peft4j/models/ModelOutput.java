package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/** What a model with a logits head returns: the {@code logits} and, when targets were given, the {@code loss}. */
public interface ModelOutput {

    /** The head's scores. */
    NDArray logits();

    /** The loss, or null without targets. */
    NDArray loss();

    /** DJL's form: the logits, then the loss when there is one. */
    default NDList toNDList() {
        return loss() == null ? new NDList(logits()) : new NDList(logits(), loss());
    }
}
