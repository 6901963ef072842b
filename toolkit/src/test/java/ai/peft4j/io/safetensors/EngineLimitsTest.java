package ai.peft4j.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.peft4j.io.safetensors.SafetensorsException.Problem;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Files valid for the format but beyond what the engine holds")
class EngineLimitsTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("an empty tensor whose other sizes overflow PyTorch's strides is UNSUPPORTED, not an EngineException")
    void stridesOverflow() throws Exception {
        Path f = RawFiles.write(
                dir.resolve("s.safetensors"),
                "{\"t\":{\"dtype\":\"F32\",\"shape\":[0,4611686018427387904,4],\"data_offsets\":[0,0]}}",
                new byte[0]);
        try (SafetensorsFile file = SafetensorsFile.open(f);
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(0, file.floats("t").length); // the format allows it: no elements
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> file.toNDArray("t", m));
            assertEquals(Problem.UNSUPPORTED, e.problem());
        }
    }

    @Test
    @DisplayName("an empty tensor with huge sizes whose strides fit still becomes an array")
    void emptyWithHugeLeadingSize() throws Exception {
        Path f = RawFiles.write(
                dir.resolve("s.safetensors"),
                "{\"t\":{\"dtype\":\"BF16\",\"shape\":[9223372036854775807,0],\"data_offsets\":[0,0]}}",
                new byte[0]);
        try (SafetensorsFile file = SafetensorsFile.open(f);
                NDManager m = NDManager.newBaseManager();
                NDArray a = file.toNDArray("t", m)) {
            assertEquals(DataType.FLOAT32, a.getDataType());
            assertEquals(0, a.size());
        }
    }
}
