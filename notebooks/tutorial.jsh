// PEFT's tutorial "PEFT configurations and models" as a JShell script:
//   bin/jshell notebooks/tutorial.jsh
// (the same steps as 01-peft-configs-and-models.ipynb, printed as plain text).
// Everything it writes goes to a temporary folder (or $PEFT4J_OUTPUT), deleted at the end
// unless PEFT4J_OUTPUT is set.

// --- PEFT configurations: adapter_config.json as PEFT writes it, and the same config from the builder
PeftConfig loraFromJson = PeftConfig.fromJson("""
    {
      "base_model_name_or_path": "facebook/opt-350m",
      "bias": "none",
      "fan_in_fan_out": false,
      "inference_mode": true,
      "init_lora_weights": true,
      "layers_pattern": null,
      "layers_to_transform": null,
      "lora_alpha": 32,
      "lora_dropout": 0.05,
      "modules_to_save": null,
      "peft_type": "LORA",
      "r": 16,
      "revision": null,
      "target_modules": ["q_proj", "v_proj"],
      "task_type": "CAUSAL_LM"
    }
    """);
System.out.println(loraFromJson);

// (JShell ends a statement at a line that is complete, so chained calls end their lines with a dot.)
LoraConfig loraConfig = Peft.lora().
    r(16).
    targets("q_proj", "v_proj").
    task(TaskType.CAUSAL_LM).
    alpha(32).
    dropout(0.05).
    build();
System.out.println(loraConfig);

// --- PEFT models. The tutorial downloads facebook/opt-350m; offline, we build its exact
// architecture from the shipped config.json and fill it with SEEDED RANDOM WEIGHTS (demo weights:
// parameter counts, adapters and files are real, the model's outputs mean nothing).
// With a Hub connection: var model = AutoModelForCausalLM.fromPretrained("facebook/opt-350m");
System.out.println("opt-350m architecture with seeded random weights (demo weights, no download)");
var model = OptForCausalLM.fromConfig(OptConfig.named("facebook/opt-350m"), 42);
System.out.println(model.config().numHiddenLayers() + " layers, hidden size " + model.config().hiddenSize());

var loraModel = Peft.getPeftModel(model, loraConfig);
loraModel.printTrainableParameters();
// System.out.println(loraModel) prints the whole module tree, as print(model) does in Python.

// --- Save the adapter: adapter_config.json + adapter_model.safetensors
String outEnv = System.getenv("PEFT4J_OUTPUT");
Path out = outEnv != null ? Files.createDirectories(Path.of(outEnv)) : Files.createTempDirectory("peft4j-tutorial");
Path adapterDir = out.resolve("opt-350m-lora");
loraModel.savePretrained(adapterDir);
try (var files = Files.list(adapterDir)) {
    files.map(p -> p.getFileName() + "  " + p.toFile().length() + " bytes").sorted().forEach(System.out::println);
}

// --- Load for inference: the adapter's config names its base model; the demo base model is saved
// under out/facebook/opt-350m to stand in for the Hub's.
loraModel.unload();
((OptForCausalLM) loraModel.getBaseModel()).savePretrained(out.resolve("facebook/opt-350m"));
var config = PeftConfig.fromPretrained(adapterDir);
System.out.println("base model: " + config.baseModelNameOrPath());
var base = AutoModelForCausalLM.fromPretrained(out.resolve(config.baseModelNameOrPath()));
var inferenceModel = PeftModelForCausalLM.fromPretrained(base, adapterDir);
inferenceModel.printTrainableParameters();   // loaded for inference: nothing trains

inferenceModel.close();
model.close();
if (outEnv == null) {
    try (var all = Files.walk(out)) {
        all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
}
System.out.println("tutorial done");
/exit
