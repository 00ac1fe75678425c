package dev.stockade.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The multiprocessing.Pool job and its WorkerPool twin give the same answer. */
@ExtendWith(NoLeakedProcesses.class)
class PythonPrimesTest {

  @Test
  void countsThePrimesLikeTheMultiprocessingVersion() throws Exception {
    String python = TestProcesses.requireProgram("python3");
    Process mp =
        new ProcessBuilder(python, "python/mp_primes.py").redirectErrorStream(true).start();
    String printed = new String(mp.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(mp.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(mp.exitValue()).as(printed).isZero();

    long stockade = PythonPrimes.countPrimes(Path.of("python/stockade_primes.py"));

    assertThat(stockade).isEqualTo(Long.parseLong(printed.trim())).isEqualTo(33_860);
  }
}
