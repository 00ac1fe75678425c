package dev.stockade.internal.lifeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The lines a supervisor sends its watchdog, and the watchdog's tolerance of other lines. */
class LifelineMessageTest {

  @Test
  void aTreeRoundTripsThroughItsLine() {
    LifelineMessage tree =
        LifelineMessage.tree(
            "render@123-abc/w7", 4567, 8910, Path.of("/tmp/stockade-render@123-w7-42"), List.of());

    String line = tree.toLine();

    assertThat(line).endsWith("\n");
    assertThat(LifelineMessage.parse(line.substring(0, line.length() - 1))).contains(tree);
  }

  @Test
  void aTreeWithoutATemporaryDirectoryRoundTrips() {
    LifelineMessage tree = LifelineMessage.tree("render@123-abc/w7", 4567, 8910, null, List.of());

    assertThat(LifelineMessage.parse(tree.toLine().replace("\n", ""))).contains(tree);
  }

  @Test
  void aTreeWithCgroupsRoundTrips() {
    LifelineMessage tree =
        LifelineMessage.tree(
            "render@123-abc/w7",
            4567,
            8910,
            null,
            List.of(
                Path.of("/sys/fs/cgroup/memory/stockade/render@123-abc/w7"),
                Path.of("/sys/fs/cgroup/pids/stockade/render@123-abc/w7")));

    assertThat(LifelineMessage.parse(tree.toLine().replace("\n", ""))).contains(tree);
  }

  @Test
  void anEndedTreeRoundTrips() {
    LifelineMessage gone = LifelineMessage.gone("render@123-abc/w7");

    assertThat(LifelineMessage.parse(gone.toLine().replace("\n", ""))).contains(gone);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "tree",
        "gone",
        "gone\t",
        "tree\tt\tx\t1\t",
        "tree\tt\t1\t2",
        "tree\t\t1\t2\t",
        "stop\tt",
        "tree\tt\t1\t2\t/tmp\t"
      })
  void aLineThatIsNoMessageIsSkipped(String line) {
    assertThat(LifelineMessage.parse(line)).isEmpty();
  }
}
