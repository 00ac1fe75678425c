package dev.stockade.internal.os;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the few {@code /proc} files Stockade needs, with one read each and no intermediate strings
 * on the hot path (the housekeeper reads every process's stat on every tick).
 */
public final class ProcFs {
  private static final ThreadLocal<byte[]> STAT_BUFFER =
      ThreadLocal.withInitial(() -> new byte[1024]);

  private ProcFs() {}

  /** The pid a {@code /proc} entry's name stands for, or -1 if it names no process. */
  static long pidOf(String name) {
    if (name.isEmpty()) {
      return -1;
    }
    long pid = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      pid = pid * 10 + (c - '0');
    }
    return pid;
  }

  /** The stat line of {@code pid}, or null if the process is gone (or unreadable). */
  public static ProcessInfo readStat(long pid) {
    byte[] buf = STAT_BUFFER.get();
    int length;
    try (FileInputStream in = new FileInputStream("/proc/" + pid + "/stat")) {
      length = readFully(in, buf);
    } catch (IOException e) {
      return null;
    }
    return parseStat(pid, buf, length);
  }

  /**
   * Parses a stat line. The command name (field 2) is in parentheses and may itself contain spaces
   * and parentheses, so fields are counted from the last ')'.
   */
  static ProcessInfo parseStat(long pid, byte[] buf, int length) {
    int close = -1;
    for (int i = length - 1; i >= 0; i--) {
      if (buf[i] == ')') {
        close = i;
        break;
      }
    }
    if (close < 0 || close + 2 >= length) {
      return null;
    }
    char state = (char) buf[close + 2];
    long ppid = 0;
    long pgid = 0;
    long sid = 0;
    long startTime = 0;
    long rss = 0;
    long cpu = 0;
    int field = 3; // state is field 3
    int i = close + 3;
    while (i < length && field < 24) {
      // at a space: the next field starts after it
      i++;
      field++;
      long value = 0;
      boolean negative = false;
      if (i < length && buf[i] == '-') {
        negative = true;
        i++;
      }
      while (i < length && buf[i] >= '0' && buf[i] <= '9') {
        value = value * 10 + (buf[i] - '0');
        i++;
      }
      while (i < length && buf[i] != ' ') {
        i++;
      }
      if (negative) {
        value = -value;
      }
      switch (field) {
        case 4:
          ppid = value;
          break;
        case 5:
          pgid = value;
          break;
        case 6:
          sid = value;
          break;
        case 14:
        case 15:
          cpu += value;
          break;
        case 22:
          startTime = value;
          break;
        case 24:
          rss = value;
          break;
        default:
          break;
      }
    }
    if (field < 24) {
      return null;
    }
    return new ProcessInfo(pid, ppid, pgid, sid, state, startTime, rss, cpu);
  }

  /**
   * The value of environment variable {@code name} in {@code /proc/PID/environ}, or null if absent
   * or unreadable. Reads the environment as it is now: a process may have overwritten the area
   * (Chrome does, for its process titles).
   */
  public static String environmentValue(long pid, String name) {
    byte[] environ = readEnvironment(pid);
    return environ == null ? null : findVariable(environ, name.getBytes(StandardCharsets.UTF_8));
  }

  /** The raw {@code /proc/PID/environ}, or null if the process is gone or unreadable. */
  public static byte[] readEnvironment(long pid) {
    try (FileInputStream in = new FileInputStream("/proc/" + pid + "/environ")) {
      return in.readAllBytes();
    } catch (IOException e) {
      return null;
    }
  }

  public static String findVariable(byte[] environ, byte[] name) {
    int start = 0;
    while (start < environ.length) {
      int end = start;
      while (end < environ.length && environ[end] != 0) {
        end++;
      }
      if (end - start > name.length && environ[start + name.length] == '=') {
        boolean match = true;
        for (int k = 0; k < name.length; k++) {
          if (environ[start + k] != name[k]) {
            match = false;
            break;
          }
        }
        if (match) {
          int from = start + name.length + 1;
          return new String(environ, from, end - from, StandardCharsets.UTF_8);
        }
      }
      start = end + 1;
    }
    return null;
  }

  /**
   * Proportional set size of {@code pid} in bytes, from {@code smaps_rollup}, or -1 if the process
   * is gone or the file is unavailable (kernels before 4.14).
   */
  public static long pssBytes(long pid) {
    byte[] content;
    try (FileInputStream in = new FileInputStream("/proc/" + pid + "/smaps_rollup")) {
      content = in.readAllBytes();
    } catch (IOException e) {
      return -1;
    }
    // "Pss:                1234 kB" — the first line starting with "Pss:".
    for (int i = 0; i + 4 < content.length; i++) {
      if ((i == 0 || content[i - 1] == '\n')
          && content[i] == 'P'
          && content[i + 1] == 's'
          && content[i + 2] == 's'
          && content[i + 3] == ':') {
        int j = i + 4;
        while (j < content.length && content[j] == ' ') {
          j++;
        }
        long kib = 0;
        while (j < content.length && content[j] >= '0' && content[j] <= '9') {
          kib = kib * 10 + (content[j] - '0');
          j++;
        }
        return kib * 1024;
      }
    }
    return -1;
  }

  /**
   * Clock ticks since boot now, in the unit of the start times in {@code /proc/PID/stat} (USER_HZ,
   * 100 on every Linux architecture Stockade runs on), rounded down; 0 if unknown.
   */
  public static long uptimeTicks() {
    try (FileInputStream in = new FileInputStream("/proc/uptime")) {
      String text = new String(in.readNBytes(64), StandardCharsets.US_ASCII);
      String seconds = text.substring(0, text.indexOf(' '));
      return (long) (Double.parseDouble(seconds) * 100) - 1;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** The command line of {@code pid} with arguments joined by spaces, or "" if gone. */
  public static String commandLine(long pid) {
    try (FileInputStream in = new FileInputStream("/proc/" + pid + "/cmdline")) {
      byte[] raw = in.readAllBytes();
      for (int i = 0; i < raw.length; i++) {
        if (raw[i] == 0) {
          raw[i] = ' ';
        }
      }
      return new String(raw, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "";
    }
  }

  private static int readFully(FileInputStream in, byte[] buf) throws IOException {
    int total = 0;
    int n;
    while (total < buf.length && (n = in.read(buf, total, buf.length - total)) > 0) {
      total += n;
    }
    return total;
  }
}
