package ai.peft4j.train;

import ai.peft4j.PeftModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds a {@link PeftTrainer}: the run's {@link TrainingArguments} (transformers' defaults unless
 * set), its data, the loss and listeners. {@link #build()} takes a snapshot, so changing the
 * builder afterwards changes no trainer it built.
 *
 * <pre>{@code
 * var trainer = PeftTrainer.builder(peft).trainData(data).evalData(held).evalSteps(50)
 *     .learningRate(2e-4).batchSize(8).epochs(1).build();
 * }</pre>
 */
public final class TrainerBuilder extends TrainingArguments.Setters<TrainerBuilder> {
    final PeftModel model;
    TextDataset trainData;
    TextDataset evalData;
    LossFunction lossFunction;
    final List<TrainingListener> listeners = new ArrayList<>();
    /** Lets the unit tests run fp16's logic (FP16 base, loss scaling) on the CPU with a tiny model. */
    boolean fp16OnCpu;

    TrainerBuilder(PeftModel model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    /** The training examples. */
    public TrainerBuilder trainData(TextDataset data) {
        this.trainData = data;
        return this;
    }

    /** Examples for {@link #evalSteps}-periodic evaluation and {@link PeftTrainer#evaluate()}. */
    public TrainerBuilder evalData(TextDataset data) {
        this.evalData = data;
        return this;
    }

    /** A custom loss (default: the model's own, {@link PeftModel#loss}). */
    public TrainerBuilder lossFunction(LossFunction fn) {
        this.lossFunction = fn;
        return this;
    }

    /** Adds a listener. */
    public TrainerBuilder listener(TrainingListener listener) {
        this.listeners.add(Objects.requireNonNull(listener));
        return this;
    }

    /** The trainer; moves the model to the chosen device. */
    public PeftTrainer build() {
        return new PeftTrainer(this);
    }
}
