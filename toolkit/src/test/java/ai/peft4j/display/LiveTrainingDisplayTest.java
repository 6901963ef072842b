package ai.peft4j.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.train.PeftTrainer;
import ai.peft4j.train.ProgressBarListener;
import ai.peft4j.train.TextDataset;
import ai.peft4j.train.TrainResult;
import ai.peft4j.train.TrainingListener;
import ai.peft4j.train.TrainingProgress;
import ai.peft4j.tuners.Initialization;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The live training display")
class LiveTrainingDisplayTest {

    /** What a kernel was asked to show: "display" or "update", the id and the bundle. */
    record Call(String kind, String id, MimeBundle bundle) {}

    static final class Recorder implements LiveOutputs {
        final List<Call> calls = new ArrayList<>();

        @Override
        public void display(MimeBundle bundle, String displayId) {
            calls.add(new Call("display", displayId, bundle));
        }

        @Override
        public void update(MimeBundle bundle, String displayId) {
            calls.add(new Call("update", displayId, bundle));
        }
    }

    static PeftModel tinyLora() {
        OptConfig config = OptConfig.builder()
                .set("vocab_size", 40)
                .set("hidden_size", 16)
                .set("word_embed_proj_dim", 16)
                .set("num_hidden_layers", 1)
                .set("num_attention_heads", 2)
                .set("ffn_dim", 32)
                .set("max_position_embeddings", 32)
                .set("do_layer_norm_before", true)
                .set("pad_token_id", 1)
                .set("dropout", 0.0)
                .set("attention_dropout", 0.0)
                .build();
        OptForCausalLM lm = OptForCausalLM.fromConfig(config, 1);
        Initialization.manualSeed(7);
        return Peft.lora()
                .r(4)
                .targets("q_proj", "v_proj")
                .task(TaskType.CAUSAL_LM)
                .apply(lm);
    }

    static TextDataset data() {
        List<int[]> seqs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            seqs.add(new int[] {2 + i, 3 + i, 4 + i, 5 + i, 6 + i});
        }
        return TextDataset.ofTokenIds(seqs, 1);
    }

    static PeftTrainer trainer(PeftModel peft, TrainingListener listener, boolean progressBar) {
        var b = PeftTrainer.builder(peft)
                .trainData(data())
                .batchSize(2)
                .maxSteps(8)
                .learningRate(1e-2)
                .progressBar(progressBar)
                .seed(42);
        if (listener != null) {
            b.listener(listener);
        }
        return b.build();
    }

    static boolean isPng(MimeBundle b) throws Exception {
        String png = b.get(MimeBundle.PNG);
        return png != null
                && ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(png))) != null;
    }

    @Test
    @DisplayName("shows one output, redraws it every N steps but not sooner than the interval, and ends on the summary")
    void redrawsInPlaceThrottledAndEndsOnSummary() throws Exception {
        Recorder rec = new Recorder();
        AtomicLong now = new AtomicLong();
        // every call to the clock is 0.3 s later: begin 0.0, step 1 at 0.3, step 2 at 0.6, ...
        LiveTrainingDisplay live =
                new LiveTrainingDisplay(rec, 2, Duration.ofSeconds(1), () -> now.getAndAdd(300_000_000L));
        try (PeftModel peft = tinyLora();
                PeftTrainer t = trainer(peft, live, false)) {
            TrainResult result = t.train();
            assertEquals(8, result.globalStep());

            List<String> kinds = rec.calls.stream().map(Call::kind).toList();
            // step 2 (0.6 s) is too soon; step 4 (1.2 s) draws; step 6 (0.6 s later) is too soon;
            // step 8 (1.2 s later) draws; the end redraws with the summary
            assertEquals(List.of("display", "update", "update", "update"), kinds);
            String id = rec.calls.get(0).id();
            assertNotNull(id);
            assertTrue(rec.calls.stream().allMatch(c -> c.id().equals(id)), "one display id throughout");
            assertEquals("step 0/8 (0%)", rec.calls.get(0).bundle().get(MimeBundle.TEXT));

            MimeBundle step4 = rec.calls.get(1).bundle();
            assertTrue(isPng(step4), "the chart is a PNG");
            assertTrue(
                    Pattern.matches(
                            "step 4/8 \\(50%\\) \\| loss \\d+\\.\\d{4} \\| lr \\d\\.\\d\\de-\\d\\d \\| \\d+ tok/s"
                                    + " \\| elapsed 0:01 \\| ETA 0:01",
                            step4.get(MimeBundle.TEXT)),
                    step4.get(MimeBundle.TEXT));
            assertTrue(rec.calls.get(2).bundle().get(MimeBundle.TEXT).startsWith("step 8/8 (100%)"));

            MimeBundle last = rec.calls.get(3).bundle();
            assertTrue(isPng(last));
            String summary = last.get(MimeBundle.TEXT);
            assertTrue(summary.startsWith("done: 8 steps in "), summary);
            assertTrue(
                    summary.contains(String.format(java.util.Locale.ROOT, "train loss %.4f", result.trainLoss())),
                    summary);
            assertFalse(isPng(rec.calls.get(0).bundle()), "no chart before the first step");
        }
    }

    @Test
    @DisplayName(
            "once installed, trainers with a progress bar get it instead of the terminal bar; uninstalled, the bar is back")
    void installedForTrainersWithAProgressBar() throws Exception {
        Recorder rec = new Recorder();
        Supplier<? extends TrainingListener> old = TrainingProgress.install(null);
        try (PeftModel peft = tinyLora()) {
            LiveTrainingDisplay.install(rec);
            assertTrue(TrainingProgress.isInstalled());
            try (PeftTrainer t = trainer(peft, null, true)) {
                t.train();
            }
            assertEquals("display", rec.calls.get(0).kind());
            assertEquals("update", rec.calls.get(rec.calls.size() - 1).kind());
            assertTrue(rec.calls
                    .get(rec.calls.size() - 1)
                    .bundle()
                    .get(MimeBundle.TEXT)
                    .startsWith("done: 8 steps"));

            rec.calls.clear();
            try (PeftTrainer t = trainer(peft, null, false)) {
                t.train();
            }
            assertTrue(rec.calls.isEmpty(), "progressBar(false) shows nothing");

            LiveTrainingDisplay.install(null);
            assertFalse(TrainingProgress.isInstalled());
            assertTrue(TrainingProgress.install(null).get() instanceof ProgressBarListener);
        } finally {
            TrainingProgress.install(old);
        }
    }

    @Test
    @DisplayName("a display that throws does not stop training")
    void brokenOutputsDoNotStopTraining() {
        LiveOutputs broken = new LiveOutputs() {
            @Override
            public void display(MimeBundle bundle, String displayId) {
                throw new IllegalStateException("front end gone");
            }

            @Override
            public void update(MimeBundle bundle, String displayId) {
                throw new IllegalStateException("front end gone");
            }
        };
        try (PeftModel peft = tinyLora();
                PeftTrainer t = trainer(peft, new LiveTrainingDisplay(broken, 1, Duration.ZERO), false)) {
            assertEquals(8, t.train().globalStep());
        }
    }

    @Test
    @DisplayName("times read as m:ss, or h:mm:ss from an hour")
    void clockTimes() {
        assertEquals("0:00", LiveTrainingDisplay.clockTime(0));
        assertEquals("1:05", LiveTrainingDisplay.clockTime(65_000_000_000L));
        assertEquals("1:01:01", LiveTrainingDisplay.clockTime(3661_000_000_000L));
    }
}
