package ai.peft4j.kernel.eval;

import java.util.List;

/**
 * The cell was stopped (interrupt from the frontend or a timeout). Definitions made before the
 * stop are kept; the remaining snippets of the cell did not run.
 */
public class EvaluationInterruptedException extends CellException {
  private static final long serialVersionUID = 1L;

  public EvaluationInterruptedException(String message) {
    super(message);
  }

  @Override
  public List<String> traceback() {
    return List.of(getMessage());
  }
}
