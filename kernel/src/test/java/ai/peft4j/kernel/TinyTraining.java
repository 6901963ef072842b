package ai.peft4j.kernel;

/** Cells that train a tiny model, for the tests of the live training display. */
public final class TinyTraining {
    private TinyTraining() {}

    /** Redraws on every step (no time limit), so that what a test sees does not depend on speed. */
    public static final String EVERY_STEP =
            "ai.peft4j.display.LiveTrainingDisplay.setDefaults(1, java.time.Duration.ZERO);";

    /** The display's defaults back, for the JVMs that run other tests next. */
    public static final String DEFAULTS =
            "ai.peft4j.display.LiveTrainingDisplay.setDefaults(10, java.time.Duration.ofSeconds(1));";

    /** A tiny OPT with LoRA and a 6-step trainer with its progress display on (the default). */
    public static final String SETUP = String.join(
            "\n",
            "var tinyConfig = OptConfig.builder().set(\"vocab_size\", 40).set(\"hidden_size\", 16)",
            "    .set(\"word_embed_proj_dim\", 16).set(\"num_hidden_layers\", 1).set(\"num_attention_heads\", 2)",
            "    .set(\"ffn_dim\", 32).set(\"max_position_embeddings\", 32).set(\"do_layer_norm_before\", true)",
            "    .set(\"pad_token_id\", 1).set(\"dropout\", 0.0).set(\"attention_dropout\", 0.0).build();",
            "ai.peft4j.tuners.Initialization.manualSeed(7);",
            "var tinyPeft = Peft.lora().r(4).targets(\"q_proj\", \"v_proj\").task(TaskType.CAUSAL_LM)",
            "    .apply(OptForCausalLM.fromConfig(tinyConfig, 1));",
            "var seqs = new ArrayList<int[]>();",
            "for (int i = 0; i < 8; i++) seqs.add(new int[] {2 + i, 3 + i, 4 + i, 5 + i, 6 + i});",
            "var trainer = ai.peft4j.train.PeftTrainer.builder(tinyPeft)",
            "    .trainData(ai.peft4j.train.TextDataset.ofTokenIds(seqs, 1))",
            "    .batchSize(2).maxSteps(6).learningRate(1e-2).seed(42).build();");

    /** Trains; the cell's value is the step count, 6. */
    public static final String TRAIN = "trainer.train().globalStep()";
}
