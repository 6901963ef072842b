package ai.peft4j.tuners.prompttuning;

import ai.djl.nn.Block;
import ai.peft4j.config.ConfigFields;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.AdapterHost;
import ai.peft4j.tuners.TunerMethod;
import ai.peft4j.tuners.prompt.PromptLearning;

/** Prompt tuning's entry in the {@link ai.peft4j.tuners.TunerRegistry}: a {@link PromptEmbedding} per adapter. */
public final class PromptTuningMethod implements TunerMethod {

  @Override
  public PeftType peftType() {
    return PeftType.PROMPT_TUNING;
  }

  @Override
  public PeftConfig readConfig(ConfigFields fields) {
    return PromptTuningConfig.read(fields);
  }

  @Override
  public AdapterHost newHost(Block model) {
    return new PromptLearning(model,
        (config, wordEmbeddings, m, rnd) -> new PromptEmbedding((PromptTuningConfig) config, wordEmbeddings, rnd));
  }
}
