package dev.stockade.internal.engine;

import dev.stockade.PoolListener;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to the pool's listener, if any. The event is built only when a listener is
 * registered, and a listener that throws is logged and ignored.
 */
public final class Events {
  private static final Logger log = LoggerFactory.getLogger(Events.class);

  private final String poolName;
  private final PoolListener listener;

  public Events(String poolName, PoolListener listener) {
    this.poolName = poolName;
    this.listener = listener;
  }

  /** Calls the listener; {@code call} builds its event only when there is one. */
  public void fire(Consumer<PoolListener> call) {
    if (listener == null) {
      return;
    }
    try {
      call.accept(listener);
    } catch (RuntimeException e) {
      log.warn("[{}] pool listener threw; listeners must not throw", poolName, e);
    }
  }
}
