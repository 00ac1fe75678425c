package dev.stockade.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the check before every launch lets through, and how it words a refusal. */
class ProgramCheckTest {
  @TempDir Path dir;

  private Path executable(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  @Test
  void passesAnElfBinaryFoundOnPath() throws Exception {
    assertThat(ProgramCheck.verify("true", "/nonexistent-bin:/usr/bin:/bin", null))
        .isIn(Path.of("/usr/bin/true"), Path.of("/bin/true"));
  }

  @Test
  void passesAScriptWhoseInterpreterHasSpacesAndAnArgument() throws Exception {
    Path script = executable("s", "#! \t/bin/sh -e\necho hi\n");
    assertThat(ProgramCheck.verify(script.toString(), null, null)).isEqualTo(script);
  }

  @Test
  void followsNestedInterpretersAndNamesTheOneMissing() throws Exception {
    Path inner = executable("inner", "#!/nonexistent/sh\n");
    Path outer = executable("outer", "#!" + inner + "\n");
    assertThatThrownBy(() -> ProgramCheck.verify(outer.toString(), null, dir))
        .isInstanceOf(ProgramStartException.class)
        .hasMessage(
            "program '"
                + outer
                + "' names in its #! line the interpreter "
                + inner
                + ", which names in its #! line the interpreter /nonexistent/sh, which does not "
                + "exist (working directory "
                + dir
                + ")");
  }

  @Test
  void showsTheCarriageReturnOfADosLineEnd() throws Exception {
    Path script = executable("dos", "#!/bin/sh\r\necho hi\r\n");
    assertThatThrownBy(() -> ProgramCheck.verify(script.toString(), null, dir))
        .hasMessageContaining("the interpreter /bin/sh\\r, which does not exist");
  }

  @Test
  void refusesAShebangThatNamesNoInterpreter() throws Exception {
    Path script = executable("bare", "#!\n");
    assertThatThrownBy(() -> ProgramCheck.verify(script.toString(), null, dir))
        .hasMessageContaining("has a #! line that names no interpreter");
  }

  @Test
  void refusesAnEmptyFile() throws Exception {
    Path empty = executable("empty", "");
    assertThatThrownBy(() -> ProgramCheck.verify(empty.toString(), null, dir))
        .hasMessageContaining("is not a program the kernel can start (no ELF header, no #! line)");
  }

  @Test
  void resolvesARelativeProgramFromTheWorkingDirectoryNotTheJvms() throws Exception {
    Path sub = Files.createDirectory(dir.resolve("sub"));
    Files.move(executable("tool", "#!/bin/sh\n"), sub.resolve("tool"));
    assertThat(ProgramCheck.verify("./tool", null, sub)).isEqualTo(sub.resolve("tool"));
    assertThat(ProgramCheck.verify("sub/tool", null, dir)).isEqualTo(sub.resolve("tool"));
  }

  @Test
  void resolvesARelativePathEntryFromTheWorkingDirectory() throws Exception {
    Path bin = Files.createDirectory(dir.resolve("bin"));
    Files.move(executable("tool", "#!/bin/sh\n"), bin.resolve("tool"));
    assertThat(ProgramCheck.verify("tool", "bin", dir)).isEqualTo(bin.resolve("tool"));
  }

  @Test
  void skipsAFileOnPathThatIsNotExecutableAsExecvpDoes() throws Exception {
    Path bin = Files.createDirectory(dir.resolve("bin"));
    Files.writeString(bin.resolve("tool"), "#!/bin/sh\n");
    assertThatThrownBy(() -> ProgramCheck.verify("tool", bin.toString(), dir))
        .hasMessage(
            "program 'tool' was not found on PATH=" + bin + " (working directory " + dir + ")");
  }

  @Test
  void saysWhenThereIsNoPathToSearch() {
    assertThatThrownBy(() -> ProgramCheck.verify("tool", null, dir))
        .hasMessage(
            "program 'tool' was not found: PATH is not set (working directory " + dir + ")");
  }

  @Test
  void namesAWorkingDirectoryThatIsAFile() throws Exception {
    Path file = executable("file", "#!/bin/sh\n");
    assertThatThrownBy(() -> ProgramCheck.verify("/bin/true", null, file))
        .isInstanceOf(ProgramStartException.class)
        .hasMessage(
            "program '/bin/true' cannot start: working directory " + file + " is not a directory");
  }

  @Test
  void refusesADirectoryAsAProgram() {
    assertThatThrownBy(() -> ProgramCheck.verify(dir.toString(), null, null))
        .hasMessageStartingWith("program '" + dir + "' is a directory (working directory ");
  }

  @Test
  void recognizesABinfmtMiscFormatByMaskedMagic() {
    // As the kernel shows a qemu-user registration: ELF header of an aarch64 executable.
    List<String> entry =
        List.of(
            "enabled",
            "interpreter /usr/bin/qemu-aarch64-static",
            "flags: OCF",
            "offset 0",
            "magic 7f454c460201010000000000000000000200b700",
            "mask ffffffffffffff00fffffffffffffffffeffffff");
    byte[] aarch64 = HexFormat.of().parseHex("7f454c460201010300000000000000000300b700");
    byte[] x86 = HexFormat.of().parseHex("7f454c460201010000000000000000000200" + "3e00");
    assertThat(BinfmtMisc.matches(entry, Path.of("/x/tool"), pad(aarch64))).isTrue();
    assertThat(BinfmtMisc.matches(entry, Path.of("/x/tool"), pad(x86))).isFalse();
  }

  @Test
  void recognizesABinfmtMiscFormatByExtensionOnlyWhenEnabled() {
    List<String> wine =
        List.of("enabled", "interpreter /usr/bin/wine", "flags: ", "extension .exe");
    byte[] mz = pad("MZ".getBytes(StandardCharsets.US_ASCII));
    assertThat(BinfmtMisc.matches(wine, Path.of("/games/setup.exe"), mz)).isTrue();
    assertThat(BinfmtMisc.matches(wine, Path.of("/games/setup.exe.txt"), mz)).isFalse();
    List<String> disabled =
        List.of("disabled", "interpreter /usr/bin/wine", "flags: ", "extension .exe");
    assertThat(BinfmtMisc.matches(disabled, Path.of("/games/setup.exe"), mz)).isFalse();
  }

  @Test
  void letsARegisteredFormatThroughAndRefusesItWhenBinfmtMiscIsDisabled() throws Exception {
    Path root = Files.createDirectory(dir.resolve("binfmt_misc"));
    Files.writeString(root.resolve("register"), "");
    Files.writeString(root.resolve("status"), "enabled\n");
    Files.writeString(
        root.resolve("jar"),
        """
        enabled
        interpreter /usr/bin/jexec
        flags:\s
        offset 0
        magic 504b0304
        """);
    byte[] jar = pad(HexFormat.of().parseHex("504b030414000808"));
    assertThat(new BinfmtMisc(root).recognizes(Path.of("/x/app.jar"), jar)).isTrue();
    Files.writeString(root.resolve("status"), "disabled\n");
    assertThat(new BinfmtMisc(root).recognizes(Path.of("/x/app.jar"), jar)).isFalse();
  }

  private static byte[] pad(byte[] head) {
    return Arrays.copyOf(head, ProgramCheck.HEAD_BYTES);
  }
}
