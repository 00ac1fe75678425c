package dev.stockade.shapes.app;

import com.sun.jna.Native;
import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;
import java.nio.charset.StandardCharsets;

/**
 * The application's own handler — in a Spring Boot jar it lives in {@code BOOT-INF/classes}, so
 * only a worker started through Boot's launcher can load it. {@code echo:TEXT} answers TEXT, {@code
 * where} answers how the worker's JVM was started, {@code native} makes the worker load JNA's
 * native library (a restricted method on JDK 22+), {@code sleep:MILLIS} keeps it busy.
 */
public final class AppHandler implements Handler {
  @Override
  public byte[] handle(byte[] input, TaskContext context) throws Exception {
    String task = new String(input, StandardCharsets.UTF_8);
    String answer;
    if (task.startsWith("echo:")) {
      answer = task.substring(5);
    } else if (task.equals("native")) {
      answer = "pointer size " + Native.POINTER_SIZE;
    } else if (task.startsWith("sleep:")) {
      Thread.sleep(Long.parseLong(task.substring(6)));
      answer = "slept";
    } else {
      answer =
          "module "
              + AppHandler.class.getModule().getName()
              + ", loader "
              + AppHandler.class.getClassLoader().getClass().getName();
    }
    return answer.getBytes(StandardCharsets.UTF_8);
  }
}
