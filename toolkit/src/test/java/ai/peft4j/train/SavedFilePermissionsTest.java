package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.peft4j.PeftModel;
import ai.peft4j.models.PreTrainedModel;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saved files get the permissions any new file gets (the umask's), as Python's {@code open()}
 * gives them, so that a folder shared with a group stays readable; not the owner-only 0600 of
 * {@code Files.createTempFile}.
 */
@DisplayName("Saved files have the umask's permissions")
class SavedFilePermissionsTest {

    @Test
    @DisplayName("adapter, adapter config, model config and weights, and a checkpoint's optimizer state")
    void everySavedFile(@TempDir Path tmp) throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(Files.createFile(tmp.resolve("reference")));
        try (PeftModel peft = Tiny.lora(0.0)) {
            peft.savePretrained(tmp.resolve("adapter"));
            peft.activePeftConfig().savePretrained(tmp.resolve("config-only"));
            ((PreTrainedModel) peft.getBaseModel()).savePretrained(tmp.resolve("model"));
            try (PeftTrainer t = PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(4, 1))
                    .batchSize(2)
                    .maxSteps(1)
                    .outputDir(tmp.resolve("run"))
                    .progressBar(false)
                    .build()) {
                t.saveCheckpoint();
            }
        }
        Map<String, String> found = new TreeMap<>();
        Map<String, String> want = new TreeMap<>();
        try (Stream<Path> files = Files.walk(tmp)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().equals("reference")) {
                    String rel = tmp.relativize(p).toString();
                    found.put(rel, PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                    want.put(rel, PosixFilePermissions.toString(expected));
                }
            }
        }
        assertEquals(
                Set.of(
                        "adapter/adapter_config.json",
                        "adapter/adapter_model.safetensors",
                        "config-only/adapter_config.json",
                        "model/config.json",
                        "model/model.safetensors",
                        "run/checkpoint-0/adapter_config.json",
                        "run/checkpoint-0/adapter_model.safetensors",
                        "run/checkpoint-0/optimizer.safetensors"),
                found.keySet());
        assertEquals(want, found);
    }
}
