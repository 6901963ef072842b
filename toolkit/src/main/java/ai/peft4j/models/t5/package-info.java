/**
 * T5 and mT5 ({@code T5ForConditionalGeneration}, {@code MT5ForConditionalGeneration}), with transformers' module
 * names: relative-position buckets, T5's RMS layer norm, the plain or gated feed-forward, the encoder-decoder cache and
 * greedy or sampled {@code generate} for encoder-decoder models.
 */
package ai.peft4j.models.t5;
