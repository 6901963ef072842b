/**
 * What PEFT's LyCORIS-style methods share ({@code tuners/lycoris_utils.py}): the config fields of LoHa and LoKr
 * ({@link ai.peft4j.tuners.lycoris.LycorisConfig}), a layer base that adds a per-adapter weight change with
 * {@code rank_dropout} and {@code module_dropout} ({@link ai.peft4j.tuners.lycoris.LycorisLayer}), and the layer
 * factory for linear layers. The methods themselves live in {@code tuners.loha} and {@code tuners.lokr}.
 */
package ai.peft4j.tuners.lycoris;
