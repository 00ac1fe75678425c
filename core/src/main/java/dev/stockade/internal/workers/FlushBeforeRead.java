package dev.stockade.internal.workers;

import dev.stockade.internal.engine.CallbackExecutor;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A worker's reply stream that passes on the callback work its reader holds before every read from
 * the pipe — the moment the reader may block — so work held while a burst of answers was handled
 * never waits for the next answer. Under a buffered reader, the pipe is read only once what was
 * buffered is used up.
 */
final class FlushBeforeRead extends FilterInputStream {
  private final CallbackExecutor callbacks;

  FlushBeforeRead(InputStream in, CallbackExecutor callbacks) {
    super(in);
    this.callbacks = callbacks;
  }

  @Override
  public int read() throws IOException {
    callbacks.flushThisThread();
    return super.read();
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    callbacks.flushThisThread();
    return super.read(buffer, offset, length);
  }
}
