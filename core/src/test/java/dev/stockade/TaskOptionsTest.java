package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A task's options: a copy per change, and a switch that turns both ways. */
class TaskOptionsTest {

  @Test
  void aTaskIsNotIdempotentUnlessMarked() {
    assertThat(TaskOptions.defaults().isIdempotent()).isFalse();
  }

  @Test
  void withIdempotentMarksATaskAndUnmarksIt() {
    TaskOptions marked = TaskOptions.defaults().withIdempotent(true);

    assertThat(marked.isIdempotent()).isTrue();
    assertThat(marked.withIdempotent(false).isIdempotent()).isFalse();
  }

  @Test
  void withIdempotentKeepsTheOtherOptionsAndLeavesTheOriginalAlone() {
    TaskOptions original =
        TaskOptions.defaults().withLabel("render").withTimeout(Duration.ofSeconds(7));

    TaskOptions marked = original.withIdempotent(true);

    assertThat(marked.label()).isEqualTo("render");
    assertThat(marked.timeout()).contains(Duration.ofSeconds(7));
    assertThat(original.isIdempotent()).isFalse();
  }
}
