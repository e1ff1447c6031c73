package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/THREADS.md is what an operator reads a thread dump with, and what the watchdog's coverage is
 * checked against: every thread Grapple names has its row.
 */
class ThreadsDocTest {
  private static final Pattern NAMED =
      Pattern.compile(
          "Daemons\\.(?:thread|numbered|named|bounded)\\((?:[^\"()]*,\\s*)?\"([^\"]+)\"");

  /**
   * The outbound webhook threads ({@code outbound-sender}, {@code outbound-*}) and {@code
   * webhook-expiry} had no row: what they may block on and what they must never do was written
   * nowhere.
   */
  @Test
  void everyNamedThreadHasItsRow() throws IOException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    String doc = Files.readString(root.resolve("docs/THREADS.md"));
    Set<String> names = new TreeSet<>();
    for (String module : List.of("bot", "state")) {
      try (Stream<Path> files = Files.walk(root.resolve(module).resolve("src/main/java"))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          Matcher m = NAMED.matcher(Files.readString(file));
          while (m.find()) names.add(m.group(1));
        }
      }
    }

    assertThat(names).contains("matrix-sync", "db-writer", "outbound-sender");
    assertThat(names).allSatisfy(name -> assertThat(doc).contains("| `" + name));
  }
}
