package ai.peft4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.CausalLMOutput;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every test against an adapter that Python PEFT wrote for the tiny OPT starts from: the adapter folder and its
 * {@code golden.json}, a freshly loaded base model and a scratch manager per test, the golden inputs run through a
 * model, and the comparisons of a re-saved folder with PEFT's.
 */
public abstract class TinyOptAdapterFixture {

    protected final Path adapterDir;
    protected final JsonNode golden;
    protected NDManager step;
    protected PreTrainedCausalLM base;

    protected TinyOptAdapterFixture(Path adapterDir) {
        this.adapterDir = adapterDir;
        this.golden = Golden.read(adapterDir.resolve("golden.json"));
    }

    @BeforeEach
    void loadBase() {
        base = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        step = NDManager.newBaseManager();
    }

    @AfterEach
    void closeBase() {
        step.close();
        base.close();
    }

    /** {@code lm} on the golden inputs. */
    protected CausalLMOutput run(PreTrainedCausalLM lm) {
        JsonNode in = golden.get("inputs");
        return lm.forward(Golden.longs(step, in.get("input_ids")), Golden.longs(step, in.get("attention_mask")), null);
    }

    /** A golden array. */
    protected NDArray expected(String field) {
        return Golden.floats(step, golden.get(field));
    }

    /** Every tensor of PEFT's file ({@code theirs}) is in {@code ours}, with the same shape and values. */
    protected void assertSameTensors(SafetensorsFile theirs, SafetensorsFile ours) throws Exception {
        for (String name : theirs.names()) {
            assertArrayEquals(theirs.info(name).shape(), ours.info(name).shape(), name);
            assertArrayEquals(theirs.floats(name), ours.floats(name), name);
        }
    }

    /** {@code dir}'s {@code adapter_config.json} equals PEFT's, {@code target_modules} compared as a set. */
    protected void assertSameAdapterConfig(Path dir) {
        ObjectNode theirs = (ObjectNode) Golden.read(adapterDir.resolve("adapter_config.json"));
        ObjectNode ours = (ObjectNode) Golden.read(dir.resolve("adapter_config.json"));
        sortTargets(theirs);
        sortTargets(ours);
        assertEquals(theirs, ours);
    }

    private static void sortTargets(ObjectNode config) {
        List<String> names = new ArrayList<>();
        config.get("target_modules").forEach(n -> names.add(n.asText()));
        names.sort(null);
        ArrayNode sorted = config.putArray("target_modules");
        names.forEach(sorted::add);
    }
}
