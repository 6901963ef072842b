/**
 * BigScience's BLOOM decoder, as transformers implements {@code BloomForCausalLM}: a layer-normed word embedding,
 * ALiBi attention biases instead of positions, one fused {@code query_key_value} projection laid out per head,
 * pre-LN blocks with Bloom's tanh GELU, and an LM head tied to the word embedding. Classes follow the data flow:
 * {@link ai.peft4j.models.bloom.BloomAttention}, {@link ai.peft4j.models.bloom.BloomMlp}, {@link
 * ai.peft4j.models.bloom.BloomBlock}, {@link ai.peft4j.models.bloom.BloomModel}, {@link
 * ai.peft4j.models.bloom.BloomForCausalLM}.
 *
 * <p>Shapes: B batch, T query length, S key length (past + new), D hidden size, H heads, hd = D / H.
 */
package ai.peft4j.models.bloom;
