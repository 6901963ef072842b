/**
 * Meta's OPT decoder, as transformers implements {@code OPTForCausalLM}: learned positions offset
 * by 2, pre-LN or post-LN layers, optional projections between the embedding and hidden sizes, a
 * ReLU MLP and an LM head tied to the token embedding. Classes follow the data flow: {@link
 * ai.peft4j.models.opt.OptAttention}, {@link ai.peft4j.models.opt.OptDecoderLayer}, {@link
 * ai.peft4j.models.opt.OptDecoder}, {@link ai.peft4j.models.opt.OptModel}, {@link
 * ai.peft4j.models.opt.OptForCausalLM}.
 *
 * <p>Shapes: B batch, T query length, S key length, D hidden size, H heads, hd = D / H.
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}.
 */
package ai.peft4j.models.opt;
