package ai.peft4j.tuners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.Weights;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What every tuner layer must do, whatever its method: a subclass supplies a {@link Fixture} (a
 * factory, a base layer and two configs) and inherits the tests. LoRA on Linear and on Conv1D run
 * it in {@code LoraLinearContractTest}; a new method's layer adds one such subclass.
 *
 * <pre>{@code
 * class Ia3OnLinear extends TunerLayerContract<Ia3Config> {
 *   protected Fixture<Ia3Config> fixture() { return new Fixture<>() { ... }; }
 * }
 * }</pre>
 *
 * @param <C> the method's config
 */
public abstract class TunerLayerContract<C> {

    /** What a layer type supplies to be tested. */
    public interface Fixture<C> {

        /** The factory under test; it must accept {@link #newBase}'s layers. */
        LayerFactory<C> factory();

        /** A new base layer with weights drawn from {@code rnd}, on {@code manager}. */
        Block newBase(NDManager manager, Random rnd);

        /** A config whose new adapters leave the output unchanged (the method's default start). */
        C identityConfig();

        /** A config whose new adapters change the output (and change the base weights when merged). */
        C randomConfig();

        /** The shape of an input batch for {@link #newBase}'s layers. */
        Shape inputShape();

        /** An input batch of {@link #inputShape()}: standard normal values unless the layer wants others (token ids). */
        default NDArray newInput(NDManager manager, Random rnd) {
            return Weights.normal(manager, inputShape(), 0, 1, rnd);
        }

        /**
         * Whether merging several active adapters one after another gives their joint forward. True for
         * additive updates; false for DoRA, whose second merge normalizes the already-merged weight (as
         * in PEFT), so only a single merge is exact.
         */
        default boolean mergesSeveralExactly() {
            return true;
        }

        /**
         * The children keyed by adapter name that hold a constant rather than a weight: frozen, not saved (AdaLoRA's
         * {@code ranknum}). None by default.
         */
        default Set<String> frozenPerAdapter() {
            return Set.of();
        }
    }

    /** The layer type under test. */
    protected abstract Fixture<C> fixture();

    /** The path the layer pretends to sit at (factories may use it, e.g. for rank_pattern). */
    protected static final String PATH = "model.layers.0.proj";

    private NDManager manager;
    private Fixture<C> fixture;
    private NDArray x;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        fixture = fixture();
        x = fixture.newInput(manager, new Random(11));
    }

    @AfterEach
    void close() {
        manager.close();
    }

    // ---------------------------------------------------------------- helpers

    private Block base(long seed) {
        return fixture.newBase(manager, new Random(seed));
    }

    /** Wraps {@code base} with a first adapter, as the injector would. */
    private TunerLayer wrap(Block base, String adapter, C config, long seed) {
        assertTrue(fixture.factory().accepts(base, config), "the factory accepts the fixture's base layer");
        TunerLayer layer = fixture.factory().inject(PATH, base, adapter, config, new Random(seed));
        assertSame(base, layer.baseLayer(), "the layer wraps the base it was given");
        assertTrue(layer instanceof Block, "a tuner layer is a Block");
        return layer;
    }

    /** Adds another adapter to an existing layer, as the injector would. */
    private void add(TunerLayer layer, String adapter, C config, long seed) {
        assertTrue(fixture.factory().accepts((Block) layer, config), "the factory accepts its own layer");
        assertSame(
                layer,
                fixture.factory().inject(PATH, (Block) layer, adapter, config, new Random(seed)),
                "a second adapter goes into the same layer");
    }

    private float[] forward(Object block) {
        return ((Block) block)
                .forward(new ParameterStore(manager, false), new NDList(x), false)
                .singletonOrThrow()
                .toFloatArray();
    }

    private static Map<String, float[]> values(Block b) {
        Map<String, float[]> out = new LinkedHashMap<>();
        ModuleTree.namedParameters(b).forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }

    /** The adapter's parameters by PEFT's saved key (adapter name dropped), for a layer at {@link #PATH}. */
    private Map<String, Parameter> adapterStateDict(TunerLayer layer, String adapter) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        ModuleTree.namedParameters((Block) layer).forEach((k, p) -> {
            String saved = BaseTuner.savedKey(PATH + "." + k, PATH, adapter);
            if (saved != null && !fixture.frozenPerAdapter().contains(k.split("\\.")[0])) {
                out.put(saved, p);
            }
        });
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " ± " + tol);
            }
        }
    }

    private static void assertClose(Map<String, float[]> expected, Map<String, float[]> actual, double tol) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((k, v) -> assertClose(v, actual.get(k), tol, k));
    }

    private static void assertDiffer(float[] a, float[] b, String what) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        assertTrue(max > 1e-4, what + ": outputs should differ, max difference " + max);
    }

    // ---------------------------------------------------------------- the contract

    @Test
    @DisplayName("with adapters disabled, forward equals the base layer")
    public void disabledEqualsBase() {
        Block base = base(1);
        float[] expected = forward(base);
        TunerLayer layer = wrap(base, "a", fixture.randomConfig(), 2);
        layer.setActiveAdapters(List.of("a"));
        assertDiffer(expected, forward(layer), "enabled");
        layer.setAdaptersEnabled(false);
        assertTrue(layer.adaptersDisabled());
        assertClose(expected, forward(layer), 1e-6, "disabled");
        layer.setAdaptersEnabled(true);
        assertFalse(layer.adaptersDisabled());
        assertDiffer(expected, forward(layer), "enabled again");
    }

    @Test
    @DisplayName("a new adapter with the default start computes as the base layer")
    public void identityStartEqualsBase() {
        Block base = base(1);
        float[] expected = forward(base);
        TunerLayer layer = wrap(base, "a", fixture.identityConfig(), 2);
        layer.setActiveAdapters(List.of("a"));
        assertClose(expected, forward(layer), 1e-6, "identity start");
    }

    @Test
    @DisplayName("merge then unmerge restores the base weights")
    public void mergeThenUnmergeRestoresWeights() {
        TunerLayer layer = wrap(base(1), "a", fixture.randomConfig(), 2);
        layer.setActiveAdapters(List.of("a"));
        Map<String, float[]> before = values(layer.baseLayer());
        layer.merge(List.of("a"), true);
        assertEquals(List.of("a"), layer.mergedAdapters());
        assertTrue(layer.isMerged());
        Map<String, float[]> merged = values(layer.baseLayer());
        assertTrue(
                before.keySet().stream().anyMatch(k -> {
                    float[] b = before.get(k);
                    float[] m = merged.get(k);
                    for (int i = 0; i < b.length; i++) {
                        if (Math.abs(b[i] - m[i]) > 1e-4) {
                            return true;
                        }
                    }
                    return false;
                }),
                "merging changes the base weights");
        layer.unmerge();
        assertFalse(layer.isMerged());
        assertClose(before, values(layer.baseLayer()), 1e-6);
    }

    @Test
    @DisplayName("merged forward equals unmerged forward; disabling a merged layer gives the base back")
    public void mergedForwardEqualsUnmerged() {
        Block base = base(1);
        float[] plain = forward(base);
        TunerLayer layer = wrap(base, "a", fixture.randomConfig(), 2);
        layer.setActiveAdapters(List.of("a"));
        float[] unmerged = forward(layer);
        layer.merge(List.of("a"), false);
        assertClose(unmerged, forward(layer), 1e-5, "merged");
        layer.setAdaptersEnabled(false);
        assertClose(plain, forward(layer), 1e-5, "disabled after merge");
        assertFalse(layer.isMerged(), "a disabled layer computes from unmerged weights");
    }

    @Test
    @DisplayName("a safe merge of a broken adapter is refused and leaves the base weights alone")
    public void safeMergeRefusesBrokenAdapter() {
        TunerLayer layer = wrap(base(1), "a", fixture.randomConfig(), 2);
        Map<String, float[]> before = values(layer.baseLayer());
        adapterStateDict(layer, "a")
                .values()
                .forEach(p ->
                        Weights.copyInto(p.getArray(), manager.full(p.getArray().getShape(), Float.NaN)));
        assertThrows(IllegalStateException.class, () -> layer.merge(List.of("a"), true));
        assertFalse(layer.isMerged());
        assertClose(before, values(layer.baseLayer()), 0);
    }

    @Test
    @DisplayName("saved keys drop the adapter name and load into a fresh layer")
    public void savedKeysRoundTrip() {
        TunerLayer trained = wrap(base(1), "a", fixture.randomConfig(), 2);
        trained.setActiveAdapters(List.of("a"));
        Map<String, Parameter> saved = adapterStateDict(trained, "a");
        assertFalse(saved.isEmpty(), "an adapter has weights to save");
        for (String key : saved.keySet()) {
            assertTrue(key.startsWith(PATH + "."), key);
            List<String> segments = List.of(key.substring(PATH.length() + 1).split("\\."));
            assertFalse(segments.contains("a"), "no adapter name in " + key);
            assertFalse(segments.contains("base_layer"), "no base weight in " + key);
        }

        TunerLayer fresh = wrap(base(1), "other", fixture.randomConfig(), 3);
        fresh.setActiveAdapters(List.of("other"));
        Map<String, Parameter> target = adapterStateDict(fresh, "other");
        assertEquals(saved.keySet(), target.keySet(), "the same keys whatever the adapter is called");
        assertDiffer(forward(trained), forward(fresh), "before loading");
        target.forEach((k, p) -> Weights.copyInto(p.getArray(), saved.get(k).getArray()));
        assertClose(forward(trained), forward(fresh), 1e-6, "after loading");
    }

    @Test
    @DisplayName("adapters are added in order, switched, and deleted with their parameters")
    public void setAndDeleteAdapters() {
        Block base = base(1);
        float[] plain = forward(base);
        TunerLayer layer = wrap(base, "a", fixture.randomConfig(), 2);
        add(layer, "b", fixture.randomConfig(), 3);
        assertEquals(List.of("a", "b"), List.copyOf(layer.adapterNames()));
        layer.setActiveAdapters(List.of("b"));
        assertEquals(List.of("b"), layer.activeAdapters());

        layer.deleteAdapter("a");
        assertEquals(Set.of("b"), layer.adapterNames());
        assertTrue(adapterStateDict(layer, "a").isEmpty(), "a's parameters are gone");
        assertEquals(List.of("b"), layer.activeAdapters());
        assertThrows(IllegalArgumentException.class, () -> layer.deleteAdapter("a"));

        layer.deleteAdapter("b");
        assertTrue(layer.adapterNames().isEmpty());
        assertTrue(layer.activeAdapters().isEmpty());
        assertClose(plain, forward(layer), 1e-6, "without adapters");
    }

    @Test
    @DisplayName("exactly the active adapters' parameters are trainable")
    public void trainableFlagsFollowActiveAdapters() {
        TunerLayer layer = wrap(base(1), "a", fixture.randomConfig(), 2);
        add(layer, "b", fixture.randomConfig(), 3);
        for (List<String> active : List.of(List.of("a"), List.of("b"), List.of("a", "b"), List.<String>of())) {
            layer.setActiveAdapters(active);
            for (String name : List.of("a", "b")) {
                boolean expected = active.contains(name);
                adapterStateDict(layer, name)
                        .forEach((k, p) -> assertEquals(
                                expected, p.requiresGradient(), k + " of " + name + " with active " + active));
            }
            ModuleTree.namedParameters((Block) layer).forEach((k, p) -> {
                if (fixture.frozenPerAdapter().contains(k.split("\\.")[0])) {
                    assertFalse(p.requiresGradient(), k + " is a constant, never trained");
                }
            });
        }
    }

    @Test
    @DisplayName("only active adapters take part in forward and merge")
    public void severalAdapters() {
        Block base = base(1);
        float[] plain = forward(base);
        TunerLayer layer = wrap(base, "a", fixture.randomConfig(), 2);
        add(layer, "b", fixture.randomConfig(), 3);

        layer.setActiveAdapters(List.of());
        assertClose(plain, forward(layer), 1e-6, "none active");
        layer.setActiveAdapters(List.of("a"));
        float[] onlyA = forward(layer);
        assertDiffer(plain, onlyA, "a active");
        layer.setActiveAdapters(List.of("a", "b"));
        float[] both = forward(layer);
        assertDiffer(onlyA, both, "a and b active");

        Map<String, float[]> before = values(layer.baseLayer());
        layer.merge(List.of("a", "b"), true);
        assertEquals(Set.of("a", "b"), Set.copyOf(layer.mergedAdapters()));
        if (fixture.mergesSeveralExactly()) {
            assertClose(both, forward(layer), 1e-5, "both merged");
        }
        layer.unmerge();
        assertClose(before, values(layer.baseLayer()), 1e-6);

        layer.deleteAdapter("b");
        layer.setActiveAdapters(List.of("a"));
        assertClose(onlyA, forward(layer), 1e-6, "an inactive adapter had no part in a's output");
    }
}
