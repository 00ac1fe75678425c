package dev.stockade;

/**
 * The SLF4J MDC keys the library puts on its log lines, so that a log pattern ({@code
 * %X{stockade.task}}) or a JSON encoder can show them and a log search can follow one task or one
 * worker across threads.
 *
 * <p>Every line the library logs about a pool carries {@link #POOL}; a line about a worker or a
 * command's tree also {@link #WORKER}; a line about a task, and every line a persistent worker
 * wrote to its stderr while it ran that task, also {@link #TASK} and {@link #LABEL}. A key that
 * does not apply is absent, not empty. The keys are set only for the duration of the library's own
 * call and the caller's values are restored after it, so a line logged on a caller's thread keeps
 * the caller's context.
 */
public final class MdcKeys {
  /** The pool's name ({@link PoolBuilder#name}). */
  public static final String POOL = "stockade.pool";

  /** The worker or tree, as {@link WorkerDetails#workerId()} names it ({@code w3}, {@code c17}). */
  public static final String WORKER = "stockade.worker";

  /** The task's number in its pool, as {@link TaskEvent#taskId()} gives it. */
  public static final String TASK = "stockade.task";

  /** The task's label, as {@link TaskEvent#label()} gives it. */
  public static final String LABEL = "stockade.label";

  private MdcKeys() {}
}
