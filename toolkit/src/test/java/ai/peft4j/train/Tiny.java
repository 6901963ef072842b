package ai.peft4j.train;

import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.tuners.Initialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A tiny OPT with LoRA and toy data, shared by the training tests. */
final class Tiny {

    static final int VOCAB = 40;

    private Tiny() {}

    static OptConfig config(double dropout) {
        return OptConfig.builder()
                .set("vocab_size", VOCAB)
                .set("hidden_size", 16)
                .set("word_embed_proj_dim", 16)
                .set("num_hidden_layers", 2)
                .set("num_attention_heads", 2)
                .set("ffn_dim", 32)
                .set("max_position_embeddings", 32)
                .set("do_layer_norm_before", true)
                .set("pad_token_id", 1)
                .set("dropout", dropout)
                .set("attention_dropout", 0.0)
                .build();
    }

    /** A seeded tiny OPT with a seeded LoRA adapter on q_proj and v_proj. */
    static PeftModel lora(double loraDropout) {
        return lora(loraDropout, "q_proj", "v_proj");
    }

    /** A seeded tiny OPT with a seeded rank-4 LoRA adapter on {@code targets}. */
    static PeftModel lora(double loraDropout, String... targets) {
        OptForCausalLM lm = OptForCausalLM.fromConfig(config(0.0), 1);
        Initialization.manualSeed(7);
        return Peft.lora()
                .r(4)
                .alpha(8)
                .dropout(loraDropout)
                .targets(targets)
                .task(TaskType.CAUSAL_LM)
                .apply(lm);
    }

    /** Repetitive sequences a tiny model can learn: runs of counting modulo a small range. */
    static TextDataset countingData(int n, long seed) {
        Random rnd = new Random(seed);
        List<int[]> seqs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 5 + rnd.nextInt(4);
            int start = 2 + rnd.nextInt(10);
            int[] s = new int[len];
            for (int j = 0; j < len; j++) {
                s[j] = 2 + (start - 2 + j) % 12;
            }
            seqs.add(s);
        }
        return TextDataset.ofTokenIds(seqs, 1);
    }
}
