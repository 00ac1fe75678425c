package dev.stockade.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.MdcKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** A stretch of the library's work sets its keys, and leaves the thread's own as they were. */
class LogContextTest {
  @AfterEach
  void clear() {
    MDC.clear();
  }

  @Test
  void setsTheKeysOfAWorkerAndItsTask() {
    try (LogContext ignored = LogContext.task("render", "w2", 17, "page 3")) {
      assertThat(MDC.getCopyOfContextMap())
          .containsEntry(MdcKeys.POOL, "render")
          .containsEntry(MdcKeys.WORKER, "w2")
          .containsEntry(MdcKeys.TASK, "17")
          .containsEntry(MdcKeys.LABEL, "page 3");
    }
  }

  @Test
  void putsTheCallersValuesBackAndLeavesItsOtherKeysAlone() {
    MDC.put(MdcKeys.POOL, "the caller's");
    MDC.put("requestId", "r-1");
    try (LogContext ignored = LogContext.pool("render")) {
      assertThat(MDC.get(MdcKeys.POOL)).isEqualTo("render");
      assertThat(MDC.get("requestId")).isEqualTo("r-1");
    }
    assertThat(MDC.getCopyOfContextMap())
        .containsEntry(MdcKeys.POOL, "the caller's")
        .containsEntry("requestId", "r-1")
        .doesNotContainKeys(MdcKeys.WORKER, MdcKeys.TASK, MdcKeys.LABEL);
  }

  @Test
  void aKeyThatDoesNotApplyIsAbsentInsideAndBackAfter() {
    try (LogContext outer = LogContext.task("render", "w2", 17, "page 3")) {
      try (LogContext inner = LogContext.tree("render", "w2", null)) {
        assertThat(MDC.get(MdcKeys.TASK)).isNull();
        assertThat(MDC.get(MdcKeys.LABEL)).isNull();
      }
      assertThat(MDC.get(MdcKeys.TASK)).isEqualTo("17");
    }
    assertThat(MDC.get(MdcKeys.TASK)).isNull();
  }
}
