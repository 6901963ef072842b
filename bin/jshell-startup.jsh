// Startup snippets of bin/jshell: the same imports as the peft4j kernel
// (JShellEvaluator.DEFAULT_IMPORTS and DEFAULT_STATIC_IMPORTS).
import ai.peft4j.*;
import ai.peft4j.config.*;
import ai.peft4j.models.*;
import ai.peft4j.models.auto.*;
import ai.peft4j.models.opt.*;
import ai.peft4j.tuners.lora.*;
import ai.peft4j.nn.*;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import java.nio.file.*;
import java.util.*;
import static ai.peft4j.kernel.runtime.Notebook.display;
import static ai.peft4j.kernel.runtime.Notebook.updateDisplay;
