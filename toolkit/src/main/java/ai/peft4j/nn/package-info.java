/**
 * The module tree: DJL blocks whose children and parameters carry PyTorch's names.
 *
 * <p>Every model in peft4j is a tree of named modules, exactly like a PyTorch {@code nn.Module}:
 * the dotted path of a module ({@code model.decoder.layers.0.self_attn.q_proj}) equals its
 * state-dict prefix. {@link ai.peft4j.nn.ModuleTree} walks any DJL {@link ai.djl.nn.Block} tree
 * that way, reads and replaces children by path, and counts parameters from their shapes alone.
 *
 * <pre>{@code
 * ModuleBlock model = OptForCausalLM.fromConfig(config, 42);
 * ModuleTree.namedModules(model).keySet();           // "", "model", "model.decoder", ...
 * ModuleTree.get(model, "model.decoder.layers.0.self_attn.q_proj");
 * ModuleTree.countParameters(model);                 // no weights needed
 * }</pre>
 *
 * <p>{@link ai.peft4j.nn.ModuleBlock} is the base of the toolkit's own blocks, and {@link
 * ai.peft4j.nn.UnaryModule} of those called with one array (layers, MLP blocks), {@link
 * ai.peft4j.nn.DirectCallModule} of those called with more (masks, caches); the leaf layers
 * ({@link ai.peft4j.nn.Linear}, {@link ai.peft4j.nn.Embedding}, {@link ai.peft4j.nn.LayerNorm},
 * ..., all {@link ai.peft4j.nn.WeightedModule}s) have explicit shapes, so a model can be described,
 * counted and rewritten before any weight is allocated.
 *
 * <p>May use: {@code io}. Nothing here knows a model, a config or a method.
 */
package ai.peft4j.nn;
