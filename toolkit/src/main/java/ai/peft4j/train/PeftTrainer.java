package ai.peft4j.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.PeftModelForSequenceClassification;
import ai.peft4j.io.AtomicFolder;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.PreTrainedModelForSequenceClassification;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.Weights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;
import ai.peft4j.nn.Scalars;
import ai.peft4j.nn.GradMode;

/**
 * Trains the adapter of a {@link PeftModel}, like transformers' {@code Trainer}: AdamW with
 * PyTorch's defaults, a learning-rate schedule, gradient accumulation, clipping by global norm,
 * periodic evaluation and checkpoints, on the GPU when there is one.
 *
 * <pre>{@code
 * Initialization.manualSeed(42);
 * var peft = Peft.lora().r(8).alpha(16).targets("q_proj", "v_proj").task(TaskType.CAUSAL_LM)
 *     .apply(OptForCausalLM.fromPretrained(Path.of("opt-125m")));
 * var tok = TextTokenizer.fromFile(Path.of("opt-125m/tokenizer.json"), 1);
 * var data = TextDataset.causalLm(texts, tok, 128);
 *
 * var trainer = PeftTrainer.builder(peft).trainData(data).learningRate(2e-4).batchSize(8)
 *     .epochs(1).schedule(LrSchedule.Type.COSINE).warmupSteps(10).build();
 * trainer.train();
 * trainer.history();            // Tablesaw Table: step, loss, lr, eval_loss, tokens_per_s
 * trainer.lossCurveSvg();       // render in the notebook
 * peft.savePretrained(Path.of("my-adapter"));
 * }</pre>
 *
 * <p>Each optimizer step runs in its own {@link NDManager}, so nothing of a step outlives it; only
 * trainable parameters get optimizer state. Interrupting the training thread (or calling {@link
 * #requestStop()} from another thread) stops after the current step and leaves the adapter usable;
 * the interrupt is consumed and reported in {@link TrainResult#interrupted()}, so the notebook
 * thread can go on to save the adapter.
 *
 * <p>Training uses DJL's global gradient collector: run one trainer at a time, on one thread.
 */
public final class PeftTrainer implements AutoCloseable {

  private final PeftModel model;
  private final Builder cfg;
  private final Device device;
  private final NDManager root;
  private final Map<String, Parameter> params;
  private final AdamW optimizer;
  private final LossFunction lossFunction;
  private final LrSchedule schedule;
  private final long totalSteps;
  private final List<TrainingListener> listeners = new CopyOnWriteArrayList<>();
  private final List<StepRecord> history = new ArrayList<>();
  private long globalStep;
  private volatile boolean stopRequested;
  private int cachedEpoch = -1;
  private List<int[]> cachedOrder;

  private PeftTrainer(Builder b) {
    this.model = b.model;
    this.cfg = b;
    if (b.trainData == null) {
      throw new IllegalStateException("no training data: call trainData(...)");
    }
    this.device = DevicePlacement.choose(b.device);
    DevicePlacement.place(model, device, b.halfPrecisionBase);
    this.params = model.trainableParameters();
    if (params.isEmpty()) {
      throw new IllegalStateException("the model has no trainable parameter");
    }
    this.root = NDManager.newBaseManager(device);
    this.root.setName("PeftTrainer");
    this.optimizer = new AdamW(b.beta1, b.beta2, b.eps, b.weightDecay, decayedKeys(model, params), root);
    this.lossFunction = b.lossFunction != null ? b.lossFunction : defaultLoss(model);
    this.totalSteps = b.maxSteps > 0 ? b.maxSteps
        : (long) Math.ceil((double) b.epochs * b.trainData.batchesPerEpoch(b.batchSize) / b.accumulation);
    int warmup = b.warmupSteps >= 0 ? b.warmupSteps : (int) Math.ceil(b.warmupRatio * totalSteps);
    this.schedule = new LrSchedule(b.scheduleType, b.learningRate, warmup, Math.toIntExact(totalSteps));
    if (b.progressBar) {
      listeners.add(new ProgressBarListener());
    }
    listeners.addAll(b.listeners);
  }

  /** A builder for training {@code model}'s active adapter. */
  public static Builder builder(PeftModel model) {
    return new Builder(model);
  }

  // ---------------------------------------------------------------- setup helpers

  /**
   * transformers' decay rule ({@code get_decay_parameter_names}): every trainable parameter but
   * biases and the weights of LayerNorm modules.
   */
  static Set<String> decayedKeys(Block root, Map<String, Parameter> params) {
    Set<String> norms = new HashSet<>();
    ModuleTree.namedModules(root).forEach((path, block) -> {
      if (block instanceof ai.peft4j.nn.LayerNorm || block instanceof ai.djl.nn.norm.LayerNorm) {
        norms.add(path);
      }
    });
    Set<String> out = new HashSet<>();
    for (String key : params.keySet()) {
      int dot = key.lastIndexOf('.');
      String owner = dot < 0 ? "" : key.substring(0, dot);
      String name = key.substring(dot + 1);
      if (!name.contains("bias") && !norms.contains(owner)) {
        out.add(key);
      }
    }
    return out;
  }

  private static LossFunction defaultLoss(PeftModel model) {
    // Through the PeftModel's own forward when it has one: prompt learning (prompt tuning, p-tuning, prefix tuning)
    // prepends the virtual tokens there, not in the base model (LoRA layers sit in the base model, either works).
    if (model instanceof PeftModelForCausalLM) {
      PeftModelForCausalLM lm = (PeftModelForCausalLM) model;
      return (ps, b, training) -> lm.loss(ps, LmInputs.of(b.inputIds(), b.attentionMask(), b.labels()), training);
    }
    if (model instanceof PeftModelForSequenceClassification) {
      PeftModelForSequenceClassification cls = (PeftModelForSequenceClassification) model;
      return (ps, b, training) -> cls.forward(ps,
          SequenceClassifierInputs.of(b.inputIds(), b.attentionMask(), b.labels()), training).loss();
    }
    Block base = model.getBaseModel();
    if (base instanceof PreTrainedCausalLM) {
      PreTrainedCausalLM lm = (PreTrainedCausalLM) base;
      return (ps, b, training) -> lm.loss(ps, LmInputs.of(b.inputIds(), b.attentionMask(), b.labels()), training);
    }
    if (base instanceof PreTrainedModelForSequenceClassification) {
      PreTrainedModelForSequenceClassification cls = (PreTrainedModelForSequenceClassification) base;
      return (ps, b, training) -> cls.forward(ps,
          SequenceClassifierInputs.of(b.inputIds(), b.attentionMask(), b.labels()), training).loss();
    }
    throw new IllegalArgumentException("no default loss for " + base.getClass().getSimpleName()
        + "; give one with lossFunction(...)");
  }

  // ---------------------------------------------------------------- accessors

  /** The device training runs on. */
  public Device device() {
    return device;
  }

  /** Optimizer steps done so far (including those restored by {@link #resume}). */
  public long globalStep() {
    return globalStep;
  }

  /** The step count this run aims for. */
  public long totalSteps() {
    return totalSteps;
  }

  /** The schedule in use. */
  public LrSchedule schedule() {
    return schedule;
  }

  /** The optimizer (state of the trainable parameters only). */
  public AdamW optimizer() {
    return optimizer;
  }

  /** The parameters that train, by in-memory key. */
  public Map<String, Parameter> trainableParameters() {
    return params;
  }

  /** Adds a listener (e.g. a notebook display). */
  public PeftTrainer addListener(TrainingListener listener) {
    listeners.add(Objects.requireNonNull(listener));
    return this;
  }

  /** Asks a running {@link #train()} to stop after its current step (any thread). */
  public void requestStop() {
    stopRequested = true;
  }

  /** The logged steps, oldest first (a copy). */
  public List<StepRecord> records() {
    synchronized (history) {
      return List.copyOf(history);
    }
  }

  /**
   * The log as a Tablesaw table with columns {@code step, loss, lr, eval_loss, tokens_per_s}
   * ({@code eval_loss} missing where no evaluation ran) plus {@code epoch} and {@code grad_norm}.
   */
  public Table history() {
    List<StepRecord> rs = records();
    IntColumn step = IntColumn.create("step");
    DoubleColumn loss = DoubleColumn.create("loss");
    DoubleColumn lr = DoubleColumn.create("lr");
    DoubleColumn eval = DoubleColumn.create("eval_loss");
    DoubleColumn tps = DoubleColumn.create("tokens_per_s");
    DoubleColumn epoch = DoubleColumn.create("epoch");
    DoubleColumn norm = DoubleColumn.create("grad_norm");
    for (StepRecord r : rs) {
      step.append(Math.toIntExact(r.step()));
      loss.append(r.loss());
      lr.append(r.lr());
      if (Double.isNaN(r.evalLoss())) {
        eval.appendMissing();
      } else {
        eval.append(r.evalLoss());
      }
      tps.append(r.tokensPerSecond());
      epoch.append(r.epoch());
      norm.append(r.gradNorm());
    }
    return Table.create("history", step, loss, lr, eval, tps, epoch, norm);
  }

  /** The loss curve as an SVG document (800×450). */
  public String lossCurveSvg() {
    return LossCurves.svg(records(), 800, 450);
  }

  /** The loss curve as PNG bytes (800×450). */
  public byte[] lossCurvePng() {
    return LossCurves.png(records(), 800, 450);
  }

  /** Writes the loss curve to {@code file}: SVG when the name ends in {@code .svg}, else PNG. */
  public Path saveLossCurve(Path file) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      if (file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".svg")) {
        Files.writeString(file, lossCurveSvg());
      } else {
        Files.write(file, lossCurvePng());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  // ---------------------------------------------------------------- training

  /**
   * Trains until {@link #totalSteps()} optimizer steps are done (continuing from {@link
   * #globalStep()}), or until interrupted.
   */
  public TrainResult train() {
    long start = System.nanoTime();
    stopRequested = false;
    boolean interrupted = false;
    double lossSum = 0;
    int steps = 0;
    notify(l -> l.onTrainBegin(this, totalSteps));
    try {
      while (globalStep < totalSteps) {
        if (stopRequested || Thread.interrupted()) {
          interrupted = true;
          break;
        }
        StepRecord r = trainStep();
        lossSum += r.loss();
        steps++;
        // An interrupt during the step is honoured now; it is consumed so that saving still works.
        if (Thread.interrupted()) {
          stopRequested = true;
        }
        if (cfg.evalData != null && cfg.evalSteps > 0 && globalStep % cfg.evalSteps == 0) {
          double ev = evaluate();
          r = r.withEvalLoss(ev);
          long s = globalStep;
          notify(l -> l.onEvaluate(s, ev));
        }
        synchronized (history) {
          history.add(r);
        }
        if (cfg.outputDir != null && cfg.saveSteps > 0 && globalStep % cfg.saveSteps == 0) {
          Path dir = saveCheckpoint();
          long s = globalStep;
          notify(l -> l.onCheckpoint(s, dir));
        }
        StepRecord logged = r;
        notify(l -> l.onStep(logged));
      }
    } catch (RuntimeException e) {
      notify(l -> l.onTrainFailed(e));
      throw e;
    }
    TrainResult result = new TrainResult(globalStep, steps == 0 ? Double.NaN : lossSum / steps,
        interrupted || stopRequested && globalStep < totalSteps,
        (System.nanoTime() - start) / 1e9);
    notify(l -> l.onTrainEnd(result));
    return result;
  }

  private void notify(java.util.function.Consumer<TrainingListener> call) {
    for (TrainingListener l : listeners) {
      call.accept(l);
    }
  }

  private int[] microBatch(long index) {
    TextDataset data = cfg.trainData;
    int perEpoch = data.batchesPerEpoch(cfg.batchSize);
    int epoch = Math.toIntExact(index / perEpoch);
    if (epoch != cachedEpoch) {
      cachedOrder = data.batchOrder(cfg.batchSize, cfg.shuffle, cfg.seed, epoch);
      cachedEpoch = epoch;
    }
    return cachedOrder.get(Math.toIntExact(index % perEpoch));
  }

  /** One optimizer step over {@code gradientAccumulationSteps} micro-batches. */
  private StepRecord trainStep() {
    long t0 = System.nanoTime();
    Engine engine = Engine.getInstance();
    Map<String, NDArray> grads = new LinkedHashMap<>();
    try (NDManager step = root.newSubManager()) {
      try {
        double lossSum = 0;
        long tokens = 0;
        for (int micro = 0; micro < cfg.accumulation; micro++) {
          long index = globalStep * cfg.accumulation + micro;
          TextDataset.Batch batch = cfg.trainData.collate(microBatch(index), step);
          // Dropout draws from the engine's generator: reseeding per micro-batch makes a resumed
          // run draw exactly what an uninterrupted one would.
          engine.setRandomSeed((int) (cfg.seed + index));
          try (GradientCollector gc = engine.newGradientCollector()) {
            NDArray loss = lossFunction.loss(DevicePlacement.parameterStore(step), batch, true);
            gc.backward(cfg.accumulation == 1 ? loss : Scalars.div(loss, cfg.accumulation));
            lossSum += loss.getFloat();
          }
          tokens += batch.tokens();
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
          NDArray g = e.getValue().getArray().getGradient();
          g.attach(step); // the wrapper is per call: free it with the step
          grads.put(e.getKey(), g);
        }
        double norm = clipByGlobalNorm(grads, cfg.maxGradNorm, step);
        double lr = schedule.lr(globalStep);
        optimizer.step(params, grads, lr, step);
        globalStep++;
        double seconds = (System.nanoTime() - t0) / 1e9;
        double epoch = (double) globalStep * cfg.accumulation / cfg.trainData.batchesPerEpoch(cfg.batchSize);
        return new StepRecord(globalStep, epoch, lossSum / cfg.accumulation, lr, norm,
            tokens / Math.max(seconds, 1e-9), Double.NaN);
      } finally {
        zeroGradients(step);
      }
    }
  }

  private void zeroGradients(NDManager step) {
    for (Parameter p : params.values()) {
      NDArray a = p.getArray();
      if (a.hasGradient()) {
        NDArray g = a.getGradient();
        g.attach(step);
        // Not g - g: a NaN or infinite gradient would stay in the buffer for good.
        ai.peft4j.nn.Weights.copyInto(g, g.zerosLike());
      }
    }
  }

  /**
   * Scales the gradients in place so that their global L2 norm is at most {@code maxNorm}, as
   * {@code torch.nn.utils.clip_grad_norm_}; returns the norm before clipping.
   */
  static double clipByGlobalNorm(Map<String, NDArray> grads, double maxNorm, NDManager scope) {
    double sumSq = 0;
    for (NDArray g : grads.values()) {
      try (NDManager local = scope.newSubManager()) {
        local.tempAttachAll(g);
        sumSq += g.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).square().sum().getFloat();
      }
    }
    double norm = Math.sqrt(sumSq);
    if (maxNorm > 0) {
      double coef = maxNorm / (norm + 1e-6);
      if (coef < 1) {
        for (NDArray g : grads.values()) {
          g.muli(coef);
        }
      }
    }
    return norm;
  }

  /** The mean loss over the evaluation data, without gradients and with dropout off. */
  public double evaluate() {
    TextDataset data = cfg.evalData;
    if (data == null) {
      throw new IllegalStateException("no evaluation data: call evalData(...)");
    }
    double sum = 0;
    int n = 0;
    try (GradMode.Scope noGrad = GradMode.off()) {
      for (int[] idx : data.batchOrder(cfg.evalBatchSize, false, 0, 0)) {
        try (NDManager step = root.newSubManager()) {
          TextDataset.Batch batch = data.collate(idx, step);
          sum += lossFunction.loss(DevicePlacement.parameterStore(step), batch, false).getFloat();
          n++;
        }
      }
    }
    return sum / n;
  }

  // ---------------------------------------------------------------- checkpoints

  /**
   * Writes {@code outputDir/checkpoint-<step>/}: the adapter in PEFT's format ({@link
   * PeftModel#savePretrained}) and {@link TrainerCheckpoint#FILE}, as one step ({@link
   * AtomicFolder}): a process killed while saving over a checkpoint leaves the old one or the new one.
   */
  public Path saveCheckpoint() {
    if (cfg.outputDir == null) {
      throw new IllegalStateException("no output directory: call outputDir(...)");
    }
    Path target = cfg.outputDir.resolve("checkpoint-" + globalStep);
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("global_step", Long.toString(globalStep));
    meta.put("micro_batch_index", Long.toString(globalStep * cfg.accumulation));
    meta.put("gradient_accumulation_steps", Integer.toString(cfg.accumulation));
    meta.put("batch_size", Integer.toString(cfg.batchSize));
    meta.put("seed", Long.toString(cfg.seed));
    meta.put("rng", "engine seed = seed + micro_batch_index, set before each micro-batch");
    meta.put("scheduler", schedule.type().hfName());
    meta.put("base_lr", Double.toString(schedule.baseLr()));
    meta.put("warmup_steps", Integer.toString(schedule.warmupSteps()));
    meta.put("total_steps", Integer.toString(schedule.totalSteps()));
    meta.put("last_lr", Double.toString(schedule.lr(Math.max(0, globalStep - 1))));
    try {
      AtomicFolder.save(target, staging -> {
        model.savePretrained(staging);
        TrainerCheckpoint.write(staging.resolve(TrainerCheckpoint.FILE), params, optimizer, meta);
      });
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save checkpoint " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Restores a checkpoint written by {@link #saveCheckpoint()}: the trainable weights, AdamW's
   * moments and the step, so that {@link #train()} continues the same trajectory (same data order,
   * learning rates and dropout draws). The model must carry the same adapter (same config).
   */
  public PeftTrainer resume(Path checkpointDir) {
    TrainerCheckpoint.State s = TrainerCheckpoint.read(AtomicFolder.file(checkpointDir, TrainerCheckpoint.FILE));
    if (!s.master().keySet().equals(params.keySet())) {
      throw new IllegalArgumentException("checkpoint " + checkpointDir
          + " does not hold this model's trainable parameters; checkpoint: " + s.master().keySet()
          + ", model: " + params.keySet());
    }
    for (String k : List.of("gradient_accumulation_steps", "batch_size", "seed")) {
      String want = switch (k) {
        case "gradient_accumulation_steps" -> Integer.toString(cfg.accumulation);
        case "batch_size" -> Integer.toString(cfg.batchSize);
        default -> Long.toString(cfg.seed);
      };
      if (!want.equals(s.metadata().get(k))) {
        System.err.println("warning: resuming with " + k + "=" + want + ", the checkpoint used "
            + s.metadata().get(k) + "; the run will not repeat the original trajectory");
      }
    }
    try (NDManager scope = root.newSubManager()) {
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        NDArray target = e.getValue().getArray();
        NDArray src = scope.create(s.master().get(e.getKey()), target.getShape());
        Weights.copyInto(target, src);
      }
    }
    optimizer.load(Long.parseLong(s.metadata().get("optimizer_step")), s.expAvg(), s.expAvgSq(),
        params);
    globalStep = Long.parseLong(s.metadata().get("global_step"));
    return this;
  }

  /** The trainer's own manager (optimizer state, per-step sub-managers); for leak checks. */
  NDManager manager() {
    return root;
  }

  /** Frees the optimizer state and per-trainer arrays (not the model). */
  @Override
  public void close() {
    optimizer.close();
    root.close();
  }

  // ---------------------------------------------------------------- builder

  /** Settings, with transformers' {@code TrainingArguments} defaults unless noted. */
  public static final class Builder {
    private final PeftModel model;
    private TextDataset trainData;
    private TextDataset evalData;
    private double learningRate = 5e-5;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double eps = 1e-8;
    private double weightDecay = 0.0;
    private LrSchedule.Type scheduleType = LrSchedule.Type.LINEAR;
    private int warmupSteps = -1;
    private double warmupRatio = 0.0;
    private int batchSize = 8;
    private int evalBatchSize = 8;
    private int accumulation = 1;
    private double maxGradNorm = 1.0;
    private long maxSteps = -1;
    private int epochs = 3;
    private int evalSteps = 0;
    private int saveSteps = 0;
    private Path outputDir;
    private long seed = 42;
    private boolean shuffle = true;
    private Device device;
    private boolean halfPrecisionBase;
    private boolean progressBar = true;
    private LossFunction lossFunction;
    private final List<TrainingListener> listeners = new ArrayList<>();

    private Builder(PeftModel model) {
      this.model = Objects.requireNonNull(model, "model");
    }

    /** The training examples. */
    public Builder trainData(TextDataset data) {
      this.trainData = data;
      return this;
    }

    /** Examples for {@link #evalSteps}-periodic evaluation. */
    public Builder evalData(TextDataset data) {
      this.evalData = data;
      return this;
    }

    /** The peak learning rate (default 5e-5). */
    public Builder learningRate(double lr) {
      this.learningRate = lr;
      return this;
    }

    /** AdamW's betas (default 0.9, 0.999). */
    public Builder betas(double b1, double b2) {
      this.beta1 = b1;
      this.beta2 = b2;
      return this;
    }

    /** AdamW's epsilon (default 1e-8, as transformers). */
    public Builder eps(double eps) {
      this.eps = eps;
      return this;
    }

    /** Decoupled weight decay (default 0); biases and LayerNorm weights are exempt. */
    public Builder weightDecay(double wd) {
      this.weightDecay = wd;
      return this;
    }

    /** The schedule (default {@code LINEAR}). */
    public Builder schedule(LrSchedule.Type type) {
      this.scheduleType = Objects.requireNonNull(type);
      return this;
    }

    /** Warm-up steps (default 0); overrides {@link #warmupRatio}. */
    public Builder warmupSteps(int steps) {
      this.warmupSteps = steps;
      return this;
    }

    /** Warm-up as a fraction of the total steps (default 0). */
    public Builder warmupRatio(double ratio) {
      this.warmupRatio = ratio;
      return this;
    }

    /** Examples per micro-batch (default 8). */
    public Builder batchSize(int n) {
      this.batchSize = positive(n, "batch size");
      return this;
    }

    /** Examples per evaluation batch (default 8). */
    public Builder evalBatchSize(int n) {
      this.evalBatchSize = positive(n, "eval batch size");
      return this;
    }

    /** Micro-batches per optimizer step (default 1). */
    public Builder gradientAccumulationSteps(int n) {
      this.accumulation = positive(n, "gradient accumulation steps");
      return this;
    }

    /** Clip the global gradient norm to this (default 1.0; 0 or less turns clipping off). */
    public Builder maxGradNorm(double norm) {
      this.maxGradNorm = norm;
      return this;
    }

    /** Stop after this many optimizer steps; overrides {@link #epochs}. */
    public Builder maxSteps(long steps) {
      this.maxSteps = steps;
      return this;
    }

    /** Passes over the training data (default 3). */
    public Builder epochs(int n) {
      this.epochs = positive(n, "epochs");
      return this;
    }

    /** Evaluate every this many steps (default 0: never). */
    public Builder evalSteps(int n) {
      this.evalSteps = n;
      return this;
    }

    /** Write a checkpoint every this many steps (default 0: never); needs {@link #outputDir}. */
    public Builder saveSteps(int n) {
      this.saveSteps = n;
      return this;
    }

    /** Where {@code checkpoint-<step>/} directories go. */
    public Builder outputDir(Path dir) {
      this.outputDir = dir;
      return this;
    }

    /** Seeds the data order and dropout (default 42). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Shuffle the training data every epoch (default true). */
    public Builder shuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /** Train on this device instead of the automatic choice (GPU 0 if any, else CPU). */
    public Builder device(Device device) {
      this.device = device;
      return this;
    }

    /** On a GPU, hold the frozen base weights in FP16 (adapters and optimizer stay FP32). */
    public Builder halfPrecisionBase(boolean half) {
      this.halfPrecisionBase = half;
      return this;
    }

    /** Draw a terminal progress bar on {@code System.err} (default true). */
    public Builder progressBar(boolean show) {
      this.progressBar = show;
      return this;
    }

    /** A custom loss (default: the model's own loss for causal LM and classification). */
    public Builder lossFunction(LossFunction fn) {
      this.lossFunction = fn;
      return this;
    }

    /** Adds a listener. */
    public Builder listener(TrainingListener listener) {
      this.listeners.add(Objects.requireNonNull(listener));
      return this;
    }

    /** The trainer; moves the model to the chosen device. */
    public PeftTrainer build() {
      if (saveSteps > 0 && outputDir == null) {
        throw new IllegalStateException("saveSteps needs an outputDir");
      }
      return new PeftTrainer(this);
    }

    private static int positive(int n, String what) {
      if (n <= 0) {
        throw new IllegalArgumentException(what + " must be positive, got " + n);
      }
      return n;
    }
  }
}
