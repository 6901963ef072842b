package ai.peft4j;

/** Gives tests in other packages the tutorial's config examples. */
public final class PeftTutorialConfigsTestAccess {
    /** The tutorial's P_TUNING adapter_config.json (roberta-large, SEQ_CLS). */
    public static final String P_TUNING_EXAMPLE = PeftTutorialConfigsTest.P_TUNING_EXAMPLE;

    private PeftTutorialConfigsTestAccess() {}
}
