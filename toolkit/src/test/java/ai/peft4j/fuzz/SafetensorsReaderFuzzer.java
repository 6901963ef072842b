package ai.peft4j.fuzz;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.io.safetensors.TensorInfo;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Any bytes as a {@code .safetensors} file: opening it and reading every tensor in every way
 * (bytes, floats, an NDArray in the engine) succeeds or throws {@code SafetensorsException}. In
 * particular no dtype may reach the engine in a form that aborts the JVM (BF16 and INT16 arrays
 * do, in DJL 0.36's PyTorch engine).
 */
class SafetensorsReaderFuzzer {

    static final AtomicLong RUNS = new AtomicLong();
    static final Path DIR = FuzzSupport.tempDir("peft4j-fuzz-safetensors");

    static Stream<byte[]> seeds() {
        return Stream.of(
                FuzzSupport.resource("hf-reference/tiny_opt/model.safetensors"),
                FuzzSupport.resource("hf-reference/tiny_opt/lora/adapter_model.safetensors"));
    }

    @MethodSource("seeds")
    @DictionaryEntries({
        "\"dtype\"",
        "\"shape\"",
        "\"data_offsets\"",
        "\"__metadata__\"",
        "\"F64\"",
        "\"F32\"",
        "\"F16\"",
        "\"BF16\"",
        "\"F8_E4M3\"",
        "\"F8_E5M2\"",
        "\"I64\"",
        "\"I32\"",
        "\"I16\"",
        "\"I8\"",
        "\"U64\"",
        "\"U32\"",
        "\"U16\"",
        "\"U8\"",
        "\"BOOL\"",
        "[0]",
        "[]",
        "9223372036854775807",
        "18446744073709551615",
        "4294967296"
    })
    @FuzzTest(maxExecutions = FuzzSupport.RUNS, maxDuration = "4m")
    void readEveryTensor(byte[] file) throws IOException {
        RUNS.incrementAndGet();
        Path path = DIR.resolve("model.safetensors");
        Files.write(path, file);
        try (SafetensorsFile f = SafetensorsFile.open(path);
                NDManager m = NDManager.newBaseManager()) {
            for (TensorInfo t : f.infos()) {
                f.bytes(t.name());
                f.floats(t.name());
                try (NDArray a = f.toNDArray(t.name(), m)) {
                    a.toByteBuffer(); // the engine holds the values, in a dtype it supports
                }
            }
        } catch (Throwable t) {
            FuzzSupport.requireTyped(t, false);
        }
    }

    @AfterAll
    static void enoughRuns() {
        FuzzSupport.checkRuns("safetensors reader", RUNS);
    }
}
