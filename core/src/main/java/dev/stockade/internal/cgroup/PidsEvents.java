package dev.stockade.internal.cgroup;

import dev.stockade.internal.os.KeptFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A group's {@code pids.events}: how many forks the kernel refused at {@code pids.max}. Older
 * kernels have no such file: once a read finds the group's directory but not the file, it is never
 * looked for again. A group that is gone is an {@link IOException}, as every sampled file's.
 */
final class PidsEvents {
  private volatile Path file;

  /** {@code file} null where the group has no pids controller. */
  PidsEvents(Path file) {
    this.file = file;
  }

  /** The refused forks; empty where the kernel does not count them. */
  OptionalLong refusals(KeptFiles files) throws IOException {
    Path events = file;
    if (events == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(CgroupFiles.keyedValue(files.read(events), "max").orElse(0));
    } catch (NoSuchFileException e) {
      if (Files.exists(events.getParent())) {
        file = null; // a kernel without pids.events: never look again
        return OptionalLong.empty();
      }
      throw e;
    }
  }
}
