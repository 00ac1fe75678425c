package dev.stockade.internal.os;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The processes that hold the write end of given pipes, found through {@code /proc/PID/fd} (a link
 * {@code pipe:[inode]}) and {@code /proc/PID/fdinfo} (the access mode). A holder of a write end
 * keeps the pipe's reader from ever seeing its end, whatever session, parent or environment it has:
 * for a tree's output pipe it is proof that the process came from the tree (or was handed the pipe
 * by it).
 *
 * <p>Only processes whose descriptors this JVM may read are seen: its own user's, or every process
 * when it runs as root. This JVM itself is never reported. One scan reads one directory per process
 * and one link per descriptor, a few milliseconds on a quiet machine, so it is meant for the rare
 * moment a pipe outlives its tree, not for every task.
 */
public final class PipeHolders {
  private static final File PROC = new File("/proc");
  private static final int O_ACCMODE = 3;

  private PipeHolders() {}

  /**
   * A process holding a write end.
   *
   * @param process its stat line when it was found
   * @param commandLine its command line, arguments joined by spaces
   * @param descriptors its descriptors that are write ends of the pipes
   */
  public record Holder(ProcessInfo process, String commandLine, Set<Integer> descriptors) {
    @Override
    public String toString() {
      return "pid " + process.pid() + " (" + commandLine + ", descriptors " + descriptors + ")";
    }
  }

  /** Every process but this JVM holding a write end of a pipe whose inode is in {@code inodes}. */
  public static List<Holder> find(Set<Long> inodes) {
    List<Holder> holders = new ArrayList<>();
    if (inodes.isEmpty()) {
      return holders;
    }
    Set<String> links = new HashSet<>();
    for (long inode : inodes) {
      links.add("pipe:[" + inode + "]");
    }
    long self = ProcessHandle.current().pid();
    String[] names = PROC.list();
    if (names == null) {
      return holders;
    }
    for (String name : names) {
      long pid = ProcFs.pidOf(name);
      if (pid <= 0 || pid == self) {
        continue;
      }
      Set<Integer> writeEnds = writeEnds(pid, links);
      if (writeEnds.isEmpty()) {
        continue;
      }
      ProcessInfo info = ProcFs.readStat(pid);
      if (info != null && !info.isEnded()) {
        holders.add(new Holder(info, ProcFs.commandLine(pid), writeEnds));
      }
    }
    return holders;
  }

  private static Set<Integer> writeEnds(long pid, Set<String> links) {
    Set<Integer> found = new TreeSet<>();
    String[] fds = new File("/proc/" + pid + "/fd").list();
    if (fds == null) {
      return found; // gone, or not ours to read
    }
    for (String fd : fds) {
      String link;
      try {
        link = Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)).toString();
      } catch (IOException | UnsupportedOperationException e) {
        continue; // closed meanwhile
      }
      if (links.contains(link) && isWriteEnd(pid, fd)) {
        found.add(Integer.parseInt(fd));
      }
    }
    return found;
  }

  /** The access mode in fdinfo's {@code flags:} line (octal) is write-only or read-write. */
  private static boolean isWriteEnd(long pid, String fd) {
    String text;
    try (FileInputStream in = new FileInputStream("/proc/" + pid + "/fdinfo/" + fd)) {
      text = new String(in.readNBytes(512), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return false;
    }
    int at = text.indexOf("flags:");
    if (at < 0) {
      return false;
    }
    int i = at + "flags:".length();
    while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
      i++;
    }
    int end = i;
    while (end < text.length() && text.charAt(end) >= '0' && text.charAt(end) <= '7') {
      end++;
    }
    if (end == i) {
      return false;
    }
    int flags = Integer.parseInt(text.substring(i, end), 8);
    return (flags & O_ACCMODE) != 0;
  }
}
