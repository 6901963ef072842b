package ai.peft4j.tuners.ptuning;

import ai.djl.nn.Block;
import ai.peft4j.config.ConfigFields;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.AdapterHost;
import ai.peft4j.tuners.TunerMethod;
import ai.peft4j.tuners.prompt.PromptLearning;

/** P-tuning's entry in the {@link ai.peft4j.tuners.TunerRegistry}: a {@link PromptEncoder} per adapter. */
public final class PromptEncoderMethod implements TunerMethod {

  @Override
  public PeftType peftType() {
    return PeftType.P_TUNING;
  }

  @Override
  public PeftConfig readConfig(ConfigFields fields) {
    return PromptEncoderConfig.read(fields);
  }

  @Override
  public AdapterHost newHost(Block model) {
    return new PromptLearning(model,
        (config, wordEmbeddings, m, rnd) -> new PromptEncoder((PromptEncoderConfig) config, rnd));
  }
}
