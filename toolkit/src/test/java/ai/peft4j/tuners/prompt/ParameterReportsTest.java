package ai.peft4j.tuners.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Parameter;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.models.roberta.RobertaConfig;
import ai.peft4j.models.roberta.RobertaForSequenceClassification;
import ai.peft4j.nn.ModuleTree;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code print_trainable_parameters()} lines of PEFT 0.10 for prompt tuning and prefix tuning on the shipped
 * configs, computed without allocating any weight.
 *
 * <p>PEFT 0.10's rules, from its source:
 *
 * <ul>
 *   <li>{@code get_nb_trainable_parameters} sums {@code numel()} over {@code PeftModel.named_parameters()}
 *       (duplicates removed, so OPT's lm_head tied to embed_tokens counts once); trainable = those with
 *       {@code requires_grad}; {@code trainable%} is {@code 100 * trainable / all}, printed with Python's repr.
 *   <li>{@code _prepare_prompt_learning_config}: {@code token_dim} from {@code hidden_size} (then {@code n_embd},
 *       {@code d_model}), {@code num_layers} from {@code num_hidden_layers}, {@code num_attention_heads} from
 *       {@code num_attention_heads}; {@code num_transformer_submodules} 1 unless SEQ_2_SEQ_LM.
 *   <li>{@code PromptEmbedding}: {@code nn.Embedding(num_virtual_tokens * num_transformer_submodules, token_dim)}.
 *   <li>{@code PrefixEncoder} without projection: {@code nn.Embedding(num_virtual_tokens, num_layers * 2 *
 *       token_dim)}.
 *   <li>SEQ_CLS adds {@code modules_to_save = ["classifier", "score"]}: a trainable copy of RoBERTa's head, the
 *       frozen original still counted in "all". CAUSAL_LM adds nothing.
 * </ul>
 *
 * <p>facebook/opt-350m: {@code hidden_size} 1024 but {@code word_embed_proj_dim} 512 (its token embeddings are
 * 512 wide and {@code project_in} maps them to 1024). PEFT takes {@code token_dim} from {@code hidden_size}, so its
 * prompt-tuning table is 20 x 1024 (20,480), and peft4j fills it the same way. (Such a table cannot be prepended to
 * opt-350m's 512-wide input embeddings; PEFT fails at the first forward. Prefix tuning is fine: keys and values are
 * {@code hidden_size} wide.)
 */
@DisplayName("parameter reports of prompt and prefix tuning match PEFT 0.10, without weights")
class ParameterReportsTest {

    static String report(PeftModel peft) {
        assertTrue(
                ModuleTree.uniqueParameters(peft).values().stream().noneMatch(Parameter::isInitialized),
                "nothing was allocated");
        return peft.getNbTrainableParameters().toString();
    }

    @Test
    @DisplayName("roberta-large SEQ_CLS, prompt tuning, 20 virtual tokens")
    void robertaLargePromptTuning() {
        // base 355,361,794 (RobertaForSequenceClassificationTest); classifier copy: dense 1024*1024 + 1024 = 1,049,600,
        //   out_proj 1024*2 + 2 = 2,050 -> 1,051,650; PromptEmbedding 20 * 1024 = 20,480.
        //   trainable = 20,480 + 1,051,650 = 1,072,130
        //   all = 355,361,794 + 1,051,650 + 20,480 = 356,433,924
        //   trainable% = 100 * 1,072,130 / 356,433,924 = 0.3007934789057845
        PeftModel peft = Peft.promptTuning()
                .virtualTokens(20)
                .task(TaskType.SEQ_CLS)
                .apply(new RobertaForSequenceClassification(RobertaConfig.named("roberta-large")));
        assertEquals(1024, ((PromptLearningConfig) peft.activePeftConfig()).tokenDim());
        assertEquals(
                "trainable params: 1,072,130 || all params: 356,433,924 || trainable%: 0.3007934789057845",
                report(peft));
    }

    @Test
    @DisplayName("facebook/opt-125m CAUSAL_LM, prompt tuning, 20 virtual tokens")
    void opt125mPromptTuning() {
        // base 125,239,296 (OptForCausalLMTest; lm_head tied); token_dim = hidden_size = 768.
        //   trainable = 20 * 768 = 15,360; all = 125,239,296 + 15,360 = 125,254,656
        //   trainable% = 100 * 15,360 / 125,254,656 = 0.012263017192750103
        PeftModel peft = Peft.promptTuning()
                .virtualTokens(20)
                .task(TaskType.CAUSAL_LM)
                .apply(new OptForCausalLM(OptConfig.named("facebook/opt-125m")));
        assertEquals(
                "trainable params: 15,360 || all params: 125,254,656 || trainable%: 0.012263017192750103",
                report(peft));
    }

    @Test
    @DisplayName("facebook/opt-350m CAUSAL_LM, prompt tuning, 20 virtual tokens: token_dim is hidden_size (1024)")
    void opt350mPromptTuning() {
        // base 331,196,416; token_dim = hidden_size = 1024 (not word_embed_proj_dim = 512), as PEFT fills it.
        //   trainable = 20 * 1024 = 20,480; all = 331,196,416 + 20,480 = 331,216,896
        //   trainable% = 100 * 20,480 / 331,216,896 = 0.006183259443382985
        PeftModel peft = Peft.promptTuning()
                .virtualTokens(20)
                .task(TaskType.CAUSAL_LM)
                .apply(new OptForCausalLM(OptConfig.named("facebook/opt-350m")));
        assertEquals(1024, ((PromptLearningConfig) peft.activePeftConfig()).tokenDim());
        assertEquals(
                "trainable params: 20,480 || all params: 331,216,896 || trainable%: 0.006183259443382985",
                report(peft));
    }

    @Test
    @DisplayName("facebook/opt-125m CAUSAL_LM, prefix tuning, 20 virtual tokens, no projection")
    void opt125mPrefixTuning() {
        // PrefixEncoder: Embedding(20, num_layers * 2 * token_dim) = 20 * (12 * 2 * 768) = 368,640
        //   all = 125,239,296 + 368,640 = 125,607,936
        //   trainable% = 100 * 368,640 / 125,607,936 = 0.2934846409704559
        PeftModel peft = Peft.prefixTuning()
                .virtualTokens(20)
                .task(TaskType.CAUSAL_LM)
                .apply(new OptForCausalLM(OptConfig.named("facebook/opt-125m")));
        assertEquals(
                "trainable params: 368,640 || all params: 125,607,936 || trainable%: 0.2934846409704559", report(peft));
    }

    @Test
    @DisplayName("facebook/opt-350m CAUSAL_LM, prefix tuning, 20 virtual tokens, no projection")
    void opt350mPrefixTuning() {
        // PrefixEncoder: Embedding(20, 24 * 2 * 1024) = 20 * 49,152 = 983,040
        //   all = 331,196,416 + 983,040 = 332,179,456
        //   trainable% = 100 * 983,040 / 332,179,456 = 0.29593642299179396
        PeftModel peft = Peft.prefixTuning()
                .virtualTokens(20)
                .task(TaskType.CAUSAL_LM)
                .apply(new OptForCausalLM(OptConfig.named("facebook/opt-350m")));
        assertEquals(
                "trainable params: 983,040 || all params: 332,179,456 || trainable%: 0.29593642299179396",
                report(peft));
    }
}
