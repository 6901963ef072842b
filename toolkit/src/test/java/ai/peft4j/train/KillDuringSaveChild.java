package ai.peft4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.Weights;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The process that {@link KillDuringSaveTest} kills: it saves into one folder over and over, each
 * save with its own marker, and prints {@code begin <marker>} before each save starts.
 *
 * <ul>
 *   <li>{@code adapter <dir> <first marker>}: {@link PeftModel#savePretrained} of a LoRA model with
 *       two adapters ("default" and "extra"); an even marker saves adapter A (rank 2), an odd one
 *       adapter B (rank 4), every adapter weight set to the marker;
 *   <li>{@code checkpoint <dir> <first marker>}: {@link PeftTrainer#saveCheckpoint()} over {@code
 *       dir/checkpoint-0}, the trainable weights set to the marker.
 * </ul>
 */
public final class KillDuringSaveChild {

    private KillDuringSaveChild() {}

    /** Adapter A (even markers, rank 2) or B (odd markers, rank 4), with "extra" beside "default". */
    static PeftModel adapter(long marker) {
        int r = marker % 2 == 0 ? 2 : 4;
        PeftModel peft = Peft.lora()
                .r(r)
                .alpha(8)
                .targets("q_proj")
                .task(TaskType.CAUSAL_LM)
                .apply(OptForCausalLM.fromConfig(Tiny.config(0.0), 1));
        peft.addAdapter(
                "extra",
                Peft.lora()
                        .r(r)
                        .alpha(8)
                        .targets("q_proj")
                        .task(TaskType.CAUSAL_LM)
                        .build());
        return peft;
    }

    /** Sets every adapter weight of {@code peft} (all adapters) to {@code marker}. */
    static void mark(PeftModel peft, long marker) {
        loraWeights(peft).values().forEach(p -> fill(p, marker));
    }

    /** The LoRA weights of every adapter, by in-memory key. */
    static Map<String, Parameter> loraWeights(PeftModel peft) {
        Map<String, Parameter> out = new TreeMap<>();
        ModuleTree.namedParameters(peft).forEach((k, p) -> {
            if (k.contains(".lora_A.") || k.contains(".lora_B.")) {
                out.put(k, p);
            }
        });
        return out;
    }

    static void fill(Parameter p, long marker) {
        NDArray a = p.getArray();
        try (NDArray v = a.getManager().full(a.getShape(), (float) marker)) {
            Weights.copyInto(a, v);
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path dir = Path.of(args[1]);
        long marker = Long.parseLong(args[2]);
        if (mode.equals("adapter")) {
            PeftModel[] models = {adapter(0), adapter(1)};
            System.out.println("ready");
            System.out.flush();
            for (; ; marker++) {
                PeftModel peft = models[(int) (marker % 2)];
                mark(peft, marker);
                System.out.println("begin " + marker);
                System.out.flush();
                peft.savePretrained(dir);
            }
        } else {
            PeftModel peft = Tiny.lora(0.0);
            PeftTrainer trainer = PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(4, 1))
                    .batchSize(2)
                    .maxSteps(1)
                    .outputDir(dir)
                    .progressBar(false)
                    .build();
            System.out.println("ready");
            System.out.flush();
            for (; ; marker++) {
                for (Parameter p : trainer.trainableParameters().values()) {
                    fill(p, marker);
                }
                System.out.println("begin " + marker);
                System.out.flush();
                trainer.saveCheckpoint();
            }
        }
    }
}
