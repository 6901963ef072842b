package ai.peft4j;

import ai.djl.nn.Block;
import ai.peft4j.tuners.lora.LoraConfig;

/**
 * The short way in: fluent builders with brief names for notebooks and scripts.
 *
 * <pre>{@code
 * LoraConfig config = Peft.lora()
 *         .r(16).alpha(32).dropout(0.05)
 *         .targets("q_proj", "v_proj")
 *         .task(TaskType.CAUSAL_LM)
 *         .build();
 * PeftModel peft = Peft.lora().r(16).targets("q_proj", "v_proj").apply(model);
 * PeftModel same = Peft.getPeftModel(model, config);
 * }</pre>
 */
public final class Peft {

  private Peft() {}

  /** PEFT's {@code get_peft_model}: see {@link PeftModel#getPeftModel(Block, PeftConfig)}. */
  public static PeftModel getPeftModel(Block model, PeftConfig config) {
    return PeftModel.getPeftModel(model, config);
  }

  /** {@link #getPeftModel(Block, PeftConfig)} under an adapter name of your choice. */
  public static PeftModel getPeftModel(Block model, PeftConfig config, String adapterName) {
    return PeftModel.getPeftModel(model, config, adapterName);
  }

  /** A LoRA config builder with PEFT's defaults (r = 8, alpha = 8, dropout = 0.0, bias "none"). */
  public static LoraBuilder lora() {
    return new LoraBuilder();
  }

  /** Short names over {@link LoraConfig.Builder}; {@link #build()} validates like it. */
  public static final class LoraBuilder {
    private final LoraConfig.Builder b = LoraConfig.builder();

    private LoraBuilder() {}

    /** The rank. */
    public LoraBuilder r(int r) {
      b.r(r);
      return this;
    }

    /** {@code lora_alpha}: the update is scaled by {@code alpha / r}. */
    public LoraBuilder alpha(int alpha) {
      b.loraAlpha(alpha);
      return this;
    }

    /** {@code lora_dropout}. */
    public LoraBuilder dropout(double dropout) {
      b.loraDropout(dropout);
      return this;
    }

    /** {@code target_modules} by name (exact path or dotted suffix). */
    public LoraBuilder targets(String... names) {
      b.targetModules(names);
      return this;
    }

    /** {@code target_modules} as a regex over the whole module path. */
    public LoraBuilder targetsRegex(String regex) {
      b.targetModulesRegex(regex);
      return this;
    }

    /** {@code task_type}. */
    public LoraBuilder task(TaskType task) {
      b.taskType(task);
      return this;
    }

    /** {@code bias}. */
    public LoraBuilder bias(LoraConfig.Bias bias) {
      b.bias(bias);
      return this;
    }

    /** {@code bias} by PEFT's name: "none", "all" or "lora_only". */
    public LoraBuilder bias(String bias) {
      b.bias(bias);
      return this;
    }

    /** {@code modules_to_save}. */
    public LoraBuilder modulesToSave(String... names) {
      b.modulesToSave(names);
      return this;
    }

    /** The full builder, for the less common fields. */
    public LoraConfig.Builder full() {
      return b;
    }

    /** Validates and creates the config. */
    public LoraConfig build() {
      return b.build();
    }

    /** Builds the config and applies it to {@code model} as adapter "default". */
    public PeftModel apply(Block model) {
      return PeftModel.getPeftModel(model, build());
    }
  }
}
