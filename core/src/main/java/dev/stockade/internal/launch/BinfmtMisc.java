package dev.stockade.internal.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The formats registered with the kernel's {@code binfmt_misc} (a Windows {@code .exe} run by Wine,
 * a jar by {@code jexec}): files that are neither ELF nor {@code #!} and that the kernel still
 * starts. {@link ProgramCheck} asks here before it refuses a file as "not a program", so a
 * registered format starts as it would from a shell. The registrations are read at that moment (a
 * program that is neither ELF nor {@code #!} is rare), from each entry's status file, and matched
 * as the kernel matches them: by the bytes at an offset under a mask, or by the extension after the
 * last '.' of the path.
 */
final class BinfmtMisc {
  private static final BinfmtMisc SYSTEM = new BinfmtMisc(Path.of("/proc/sys/fs/binfmt_misc"));

  private final Path root;

  BinfmtMisc(Path root) {
    this.root = root;
  }

  static BinfmtMisc system() {
    return SYSTEM;
  }

  /**
   * Whether an enabled registration claims {@code file}, whose first bytes are {@code head}. False
   * when {@code binfmt_misc} is not mounted or is disabled.
   */
  boolean recognizes(Path file, byte[] head) {
    try {
      if (!Files.isRegularFile(root.resolve("status"))
          || !Files.readString(root.resolve("status")).trim().equals("enabled")) {
        return false;
      }
      byte[] buffer = Arrays.copyOf(head, Math.max(head.length, ProgramCheck.HEAD_BYTES));
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
        for (Path entry : entries) {
          String name = entry.getFileName().toString();
          if (name.equals("status") || name.equals("register")) {
            continue;
          }
          if (matches(Files.readAllLines(entry, StandardCharsets.UTF_8), file, buffer)) {
            return true;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return false; // unreadable registrations: refuse as if none matched
    }
    return false;
  }

  /** One entry's status file ({@code fs/binfmt_misc.c}, {@code entry_status}) against a file. */
  static boolean matches(List<String> status, Path file, byte[] buffer) {
    if (status.isEmpty() || !status.get(0).trim().equals("enabled")) {
      return false;
    }
    int offset = 0;
    byte[] magic = null;
    byte[] mask = null;
    for (String line : status) {
      if (line.startsWith("extension .")) {
        String path = file.toString();
        int dot = path.lastIndexOf('.');
        return dot >= 0 && path.substring(dot + 1).equals(line.substring("extension .".length()));
      } else if (line.startsWith("offset ")) {
        offset = Integer.parseInt(line.substring("offset ".length()).trim());
      } else if (line.startsWith("magic ")) {
        magic = HexFormat.of().parseHex(line.substring("magic ".length()).trim());
      } else if (line.startsWith("mask ")) {
        mask = HexFormat.of().parseHex(line.substring("mask ".length()).trim());
      }
    }
    if (magic == null || offset < 0 || offset + magic.length > buffer.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      int m = mask == null ? 0xff : mask[i] & 0xff;
      if (((buffer[offset + i] ^ magic[i]) & m) != 0) {
        return false;
      }
    }
    return true;
  }
}
