package ai.peft4j.io.hub;

/**
 * A minimal {@code README.md} for an adapter repo, with the metadata the Hub indexes ({@code
 * library_name: peft}, {@code base_model}) and how to load it from Python and Java.
 *
 * <pre>{@code
 * String card = ModelCard.forAdapter("me/opt-lora", "facebook/opt-125m", "LORA", "CAUSAL_LM");
 * Files.writeString(dir.resolve("README.md"), card);
 * }</pre>
 */
public final class ModelCard {

    /** The file name the Hub shows as the repo's card. */
    public static final String FILE_NAME = "README.md";

    private ModelCard() {}

    /**
     * @param baseModel {@code base_model_name_or_path}; null or a local path leaves it out of the
     *     metadata, since the Hub can only link repo ids
     */
    public static String forAdapter(String repoId, String baseModel, String peftType, String taskType) {
        boolean baseIsId = baseModel != null && RepoId.isValid(baseModel);
        StringBuilder md = new StringBuilder("---\n");
        if (baseIsId) {
            md.append("base_model: ").append(baseModel).append('\n');
        }
        md.append("library_name: peft\ntags:\n- peft4j\n");
        if (peftType != null) {
            md.append("- ").append(peftType.toLowerCase(java.util.Locale.ROOT)).append('\n');
        }
        md.append("---\n\n# ").append(repoId).append("\n\n");
        md.append("A ").append(peftType == null ? "PEFT" : peftType).append(" adapter");
        if (taskType != null) {
            md.append(" (").append(taskType).append(')');
        }
        if (baseModel != null) {
            md.append(" for `").append(baseModel).append('`');
        }
        md.append(", saved by peft4j in PEFT's format.\n\n## Use it\n\nPython:\n\n```python\n")
                .append("from peft import AutoPeftModelForCausalLM\n\n")
                .append("model = AutoPeftModelForCausalLM.from_pretrained(\"")
                .append(repoId)
                .append("\")\n```\n\n")
                .append("Java (peft4j):\n\n```java\n")
                .append("var model = AutoPeftModelForCausalLM.fromPretrained(\"")
                .append(repoId)
                .append("\");\n```\n");
        return md.toString();
    }
}
