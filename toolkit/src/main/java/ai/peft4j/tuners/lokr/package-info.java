/**
 * LoKr (PEFT's {@code LOKR}, from LyCORIS): a weight change that is a Kronecker product of two factors, each a full
 * matrix or a low-rank product, {@code ΔW = kron(w1, w2)}, on linear layers. {@link ai.peft4j.tuners.lokr.LoKrConfig},
 * {@link ai.peft4j.tuners.lokr.LoKrLinear}, {@link ai.peft4j.tuners.lokr.LoKrModel} and the registry entry
 * {@link ai.peft4j.tuners.lokr.LoKrMethod}.
 */
package ai.peft4j.tuners.lokr;
