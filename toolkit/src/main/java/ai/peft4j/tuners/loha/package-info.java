/**
 * LoHa (PEFT's {@code LOHA}, from LyCORIS): a weight change that is the Hadamard product of two low-rank products,
 * {@code ΔW = (w1_a·w1_b) ⊙ (w2_a·w2_b) · alpha/r}, on linear layers. {@link ai.peft4j.tuners.loha.LoHaConfig},
 * {@link ai.peft4j.tuners.loha.LoHaLinear}, {@link ai.peft4j.tuners.loha.LoHaModel} and the registry entry
 * {@link ai.peft4j.tuners.loha.LoHaMethod}.
 */
package ai.peft4j.tuners.loha;
