package dev.stockade.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every Java snippet of the README is a part of a real file, shown verbatim: each {@code ```java}
 * block follows a {@code <!-- snippet: path -->} line, and its text is the part of that file
 * between {@code // README: begin} and {@code // README: end}, with the indentation they share
 * taken off.
 */
class ReadmeSnippetsTest {
  private static final Path ROOT = Path.of("..");
  private static final Pattern MARKER = Pattern.compile("<!-- snippet: (\\S+) -->");

  /** A README block and the file it names. */
  private record Snippet(int line, String file, String text) {}

  @Test
  void everyJavaSnippetOfTheReadmeIsTheMarkedPartOfTheFileItNames() throws IOException {
    List<Snippet> snippets = snippets(Files.readAllLines(ROOT.resolve("README.md")));
    assertThat(snippets).hasSizeGreaterThanOrEqualTo(8);
    for (Snippet s : snippets) {
      Path file = ROOT.resolve(s.file());
      assertThat(file).as("README line %d names %s", s.line(), s.file()).isRegularFile();
      assertThat(s.text())
          .as("the README's snippet at line %d against %s", s.line(), s.file())
          .isEqualTo(markedPart(Files.readAllLines(file), s.file()));
    }
  }

  @Test
  void theMarkedPartIsTakenWithoutTheIndentationItsLinesShare() {
    List<String> file =
        List.of(
            "class X {",
            "    // README: begin",
            "    a();",
            "      b();",
            "    // README: end",
            "}");
    assertThat(markedPart(file, "X.java")).isEqualTo("a();\n  b();\n");
  }

  private static List<Snippet> snippets(List<String> readme) {
    List<Snippet> found = new ArrayList<>();
    for (int i = 0; i < readme.size(); i++) {
      if (!readme.get(i).equals("```java")) {
        continue;
      }
      int before = i - 1;
      while (before >= 0 && readme.get(before).isBlank()) {
        before--;
      }
      Matcher marker = before >= 0 ? MARKER.matcher(readme.get(before)) : null;
      if (marker == null || !marker.matches()) {
        fail(
            "the Java snippet at README line "
                + (i + 1)
                + " names no file (<!-- snippet: path -->)");
      }
      StringBuilder text = new StringBuilder();
      int j = i + 1;
      for (; j < readme.size() && !readme.get(j).equals("```"); j++) {
        text.append(readme.get(j)).append('\n');
      }
      found.add(new Snippet(i + 1, marker.group(1), text.toString()));
      i = j;
    }
    return found;
  }

  /** The lines between the markers, less the indentation they share. */
  static String markedPart(List<String> lines, String name) {
    int begin = -1;
    int end = -1;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.equals("// README: begin")) {
        begin = i;
      } else if (line.equals("// README: end")) {
        end = i;
      }
    }
    if (begin < 0 || end < begin) {
      fail(name + " has no part between // README: begin and // README: end");
    }
    List<String> part = lines.subList(begin + 1, end);
    int indent = Integer.MAX_VALUE;
    for (String line : part) {
      if (!line.isBlank()) {
        indent = Math.min(indent, line.length() - line.stripLeading().length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (String line : part) {
      text.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
    }
    return text.toString();
  }
}
