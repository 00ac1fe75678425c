package dev.stockade.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Where the caller's code is handed: a thread may hold what it hands over and pass it on in one
 * piece, in order; refused work runs on a thread of its own, never on the thread handing it over.
 */
class CallbackExecutorTest {

  @Test
  void workHeldByAThreadWaitsForItsFlushAndRunsInOrder() {
    CallbackExecutor callbacks = CallbackExecutor.owned("held", 2);
    List<String> ran = new CopyOnWriteArrayList<>();
    try {
      callbacks.holdOnThisThread();
      callbacks.execute(() -> ran.add("a"));
      callbacks.execute(() -> ran.add("b"));
      callbacks.execute(() -> ran.add("c"));
      await()
          .during(Duration.ofMillis(200))
          .atMost(Duration.ofSeconds(1))
          .until(ran::isEmpty); // held here: nothing runs in the meantime

      callbacks.flushThisThread();

      await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 3);
      assertThat(ran).containsExactly("a", "b", "c");
    } finally {
      callbacks.releaseThisThread();
      callbacks.shutdown();
    }
  }

  @Test
  void aReleasedThreadHandsOverAtOnceAgain() {
    // One thread, so the order of hand-over is the order of running: with two, the held work
    // and the next could run side by side in either order.
    CallbackExecutor callbacks = CallbackExecutor.owned("released", 1);
    List<String> ran = new CopyOnWriteArrayList<>();
    try {
      callbacks.holdOnThisThread();
      callbacks.execute(() -> ran.add("held"));
      callbacks.releaseThisThread();
      callbacks.execute(() -> ran.add("direct"));

      await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 2);
      assertThat(ran).containsExactly("held", "direct");
    } finally {
      callbacks.shutdown();
    }
  }

  @Test
  void workARefusingExecutorTurnsDownRunsOnAThreadOfItsOwn() {
    ExecutorService closed = Executors.newSingleThreadExecutor();
    closed.shutdown();
    CallbackExecutor callbacks = CallbackExecutor.of("refusing", closed);
    List<Thread> ranOn = new CopyOnWriteArrayList<>();

    callbacks.execute(() -> ranOn.add(Thread.currentThread()));

    await().atMost(Duration.ofSeconds(5)).until(() -> ranOn.size() == 1);
    assertThat(ranOn.get(0)).isNotSameAs(Thread.currentThread());
    assertThat(ranOn.get(0).getName()).startsWith("stockade-refusing-callback-late-");
  }

  @Test
  void theOwnedExecutorsThreadsAreNamedForThePool() {
    CallbackExecutor callbacks = CallbackExecutor.owned("named", 2);
    List<String> names = new CopyOnWriteArrayList<>();
    try {
      callbacks.execute(() -> names.add(Thread.currentThread().getName()));

      await().atMost(Duration.ofSeconds(5)).until(() -> names.size() == 1);
      assertThat(names.get(0)).startsWith("stockade-named-callback-");
    } finally {
      callbacks.shutdown();
    }
  }
}
